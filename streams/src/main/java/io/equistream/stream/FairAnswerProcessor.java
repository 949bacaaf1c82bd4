package io.equistream.stream;

import io.equistream.answer.AnswerBuilder;
import io.equistream.answer.CompletionRecords;
import io.equistream.answer.PendingPrompt;
import io.equistream.answer.RequestIntake;
import io.equistream.decode.EngineOutcome;
import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.OutcomeSink;
import io.equistream.decode.RequestRejectedException;
import io.equistream.decode.Submission;
import io.equistream.schemas.PromptRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands requests to the shared engine without ever waiting for generation, and keeps exactly-once:
 * {@code process()} validates a request (an invalid one is answered REJECTED at once), writes it to
 * the changelogged buffer and submits it; a wall-clock punctuator forwards the answers the engine
 * finished for this task (completion, reply copy, audit) and deletes their buffer entries, so an
 * answer, its deletion and the input offsets commit together and no transaction stays open across
 * generation. After a restore, {@code init()} resubmits every buffered request; {@code close()}
 * cancels this task's requests in the engine, and anything finished for a closed processor is
 * dropped with its queue. When the engine's queue is full, requests wait in the buffer (on disk)
 * and are submitted as room frees up.
 */
final class FairAnswerProcessor implements Processor<String, PromptRequest, String, SpecificRecord> {
  static final String BUFFER_STORE = "pending-prompts";
  static final String ERROR_HEADER = "equistream.error";
  static final String REPLY_TOPIC_HEADER = "equistream.reply-topic";
  private static final Logger LOG = LoggerFactory.getLogger(FairAnswerProcessor.class);

  /** What a submission's tag holds: its buffer key and the request as buffered. */
  private record Ticket(long key, PendingPrompt prompt) {
  }

  private final FairEngine engine;
  private final RequestIntake intake;
  private final AnswerBuilder answers;
  private final Predicate<String> replyTopicUsable;
  private final long deadlineMs;
  private final long handoffMs;
  private final ServiceListener listener;
  private final Queue<EngineOutcome> finished = new ConcurrentLinkedQueue<>();
  private final OutcomeSink sink = finished::add;
  private final Map<Long, Submission> inFlight = new HashMap<>();

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<Long, PendingPrompt> buffer;
  private long nextSequence;
  /** First buffer key not yet handed to the engine (its queue was full), or -1 when all are. */
  private long firstParked = -1;

  FairAnswerProcessor(FairEngine engine, RequestIntake intake, AnswerBuilder answers,
      Predicate<String> replyTopicUsable, long deadlineMs, long handoffMs, ServiceListener listener) {
    this.engine = engine;
    this.intake = intake;
    this.answers = answers;
    this.replyTopicUsable = replyTopicUsable;
    this.deadlineMs = deadlineMs;
    this.handoffMs = handoffMs;
    this.listener = listener;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.buffer = context.getStateStore(BUFFER_STORE);
    long restored = 0;
    try (KeyValueIterator<Long, PendingPrompt> all = buffer.all()) {
      while (all.hasNext()) {
        KeyValue<Long, PendingPrompt> entry = all.next();
        nextSequence = Math.max(nextSequence, entry.key + 1);
        firstParked = firstParked < 0 ? entry.key : Math.min(firstParked, entry.key);
        restored++;
      }
    }
    if (restored > 0) {
      // Requests a previous owner of this task had not answered (crash, revocation): answered now.
      LOG.info("task {}: resubmitting {} buffered requests after restore", context.taskId(), restored);
      submitParked();
    }
    context.schedule(Duration.ofMillis(handoffMs), PunctuationType.WALL_CLOCK_TIME, this::handOff);
  }

  @Override
  public void process(Record<String, PromptRequest> record) {
    PromptRequest request = record.value();
    if (request == null) {
      deadLetter(record, "null value: a request needs a request_id and a prompt");
      return;
    }
    if (request.getRequestId() == null || request.getRequestId().isBlank()) {
      deadLetter(record, "missing request_id: nobody to answer");
      return;
    }
    PendingPrompt pending = new PendingPrompt(request, context.currentSystemTimeMs(), record.key());
    FairRequest resolved = resolveOrAnswer(pending);
    if (resolved == null) {
      return;
    }
    long key = nextSequence++;
    buffer.put(key, pending);
    if (firstParked >= 0 || !submit(key, pending, resolved)) {
      firstParked = firstParked >= 0 ? firstParked : key;
    }
  }

  /** The validated request, or null after answering it REJECTED (or FAILED) right away. */
  private FairRequest resolveOrAnswer(PendingPrompt pending) {
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    try {
      return intake.resolve(engine, pending.request());
    } catch (RequestRejectedException e) {
      forward(pending, answers.rejected(pending, e.getMessage(), now));
    } catch (RuntimeException e) {
      LOG.error("request {} could not be prepared: {}", pending.request().getRequestId(), e.toString());
      forward(pending, answers.failed(pending, "request could not be prepared: " + e.getMessage(), now));
    }
    return null;
  }

  private boolean submit(long key, PendingPrompt pending, FairRequest resolved) {
    // Measured on the clock that stamped the arrival (the task's), not on the engine's.
    long left = pending.arrivalMillis() + deadlineMs - context.currentSystemTimeMs();
    long deadline = System.nanoTime() + Math.max(0, Math.min(left, Long.MAX_VALUE / 4_000_000L)) * 1_000_000L;
    Submission submission = new Submission(resolved, deadline, new Ticket(key, pending), sink, false);
    if (!engine.submit(submission)) {
      return false;
    }
    inFlight.put(key, submission);
    return true;
  }

  /** Submits buffered requests from the first parked one on, while the engine takes them. */
  private void submitParked() {
    try (KeyValueIterator<Long, PendingPrompt> parked = buffer.range(firstParked, Long.MAX_VALUE)) {
      while (parked.hasNext()) {
        KeyValue<Long, PendingPrompt> entry = parked.next();
        if (inFlight.containsKey(entry.key)) {
          continue;
        }
        FairRequest resolved = resolveOrAnswer(entry.value);
        if (resolved == null) {
          buffer.delete(entry.key); // answered (its validation changed with the configuration)
        } else if (!submit(entry.key, entry.value, resolved)) {
          firstParked = entry.key;
          return;
        }
      }
    }
    firstParked = -1;
  }

  /** The punctuator: forwards what the engine finished for this task; then submits parked requests. */
  private void handOff(long now) {
    for (EngineOutcome outcome = finished.poll(); outcome != null; outcome = finished.poll()) {
      Ticket ticket = (Ticket) outcome.submission().tag();
      if (inFlight.remove(ticket.key()) == null) {
        continue; // cancelled meanwhile
      }
      forward(ticket.prompt(), answers.of(ticket.prompt(), outcome));
      buffer.delete(ticket.key());
    }
    if (firstParked >= 0) {
      submitParked();
    }
  }

  private void forward(PendingPrompt prompt, CompletionRecords.Answer answer) {
    String key = prompt.answerKey();
    long timestamp = context.currentSystemTimeMs();
    context.forward(new Record<String, SpecificRecord>(key, answer.completion(), timestamp), FairTopology.COMPLETIONS);
    String replyTopic = prompt.request().getReplyTopic();
    if (replyTopic != null) {
      if (replyTopicUsable.test(replyTopic)) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(REPLY_TOPIC_HEADER, replyTopic.getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<String, SpecificRecord>(key, answer.completion(), timestamp, headers),
            FairTopology.REPLIES);
      } else {
        LOG.warn("request {}: reply topic does not exist; answering on the completions topic only",
            prompt.request().getRequestId());
      }
    }
    context.forward(new Record<String, SpecificRecord>(key, answer.audit(), timestamp), FairTopology.AUDITS);
    listener.answered(answer.completion(), answer.audit());
  }

  private void deadLetter(Record<String, PromptRequest> record, String reason) {
    LOG.warn("dead-lettering a record: {}", reason);
    RecordHeaders headers = new RecordHeaders(record.headers().toArray());
    headers.add(ERROR_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    context.forward(new Record<String, SpecificRecord>(record.key(), record.value(), record.timestamp(), headers),
        FairTopology.DEAD_LETTERS);
  }

  @Override
  public void close() {
    // The buffer survives in the changelog: whoever owns the task next answers these requests.
    inFlight.values().forEach(Submission::cancel);
    inFlight.clear();
    finished.clear();
  }
}
