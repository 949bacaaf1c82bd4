package io.equistream.stream;

import io.equistream.answer.AnswerBuilder;
import io.equistream.answer.ChunkStream;
import io.equistream.answer.CompletionRecords;
import io.equistream.answer.PendingPrompt;
import io.equistream.answer.PrintableText;
import io.equistream.answer.ReplyRouting;
import io.equistream.answer.RequestIntake;
import io.equistream.answer.RequestScreen;
import io.equistream.answer.StreamProgress;
import io.equistream.decode.EngineOutcome;
import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.OutcomeSink;
import io.equistream.decode.RequestRejectedException;
import io.equistream.decode.Submission;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.Cancellable;
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
 * the changelogged buffer and submits it; a wall-clock punctuator forwards what the engine finished
 * for this task (completion, reply copy, audit; for a streamed request first its chunks) and
 * deletes the buffer entry, so an answer, its deletion and the input offsets commit together and no
 * transaction stays open across generation. Chunks sent are recorded beside the buffered request,
 * committed with them. After a restore, {@code init()} resubmits every buffered request (a streamed
 * one re-chooses the tokens it already sent and continues its chunk sequence); {@code close()}
 * cancels this task's requests in the engine, and anything finished for a closed processor is
 * dropped with its queue. When the engine's queue is full, requests wait in the buffer (on disk)
 * and are submitted as room frees up.
 *
 * <p>The punctuator is scheduled only while this task has requests in the engine or parked: every
 * wall-clock punctuation marks the task for commit, so a punctuator that ran while idle would commit
 * a transaction (its input offsets again) every {@code commit.interval.ms}, forever.
 */
final class FairAnswerProcessor implements Processor<String, PromptRequest, String, SpecificRecord> {
  static final String BUFFER_STORE = "pending-prompts";
  static final String STREAM_STORE = "streamed-chunks";
  static final String ERROR_HEADER = DeadLetters.ERROR_HEADER;
  static final String REPLY_TOPIC_HEADER = "equistream.reply-topic";
  private static final Logger LOG = LoggerFactory.getLogger(FairAnswerProcessor.class);

  /** What the engine reported: tokens chosen (outcome null) or the outcome. */
  private record EngineEvent(Submission submission, EngineOutcome outcome, int first, int[] tokens) {
  }

  /** A request handed to the engine, as buffered under {@code key}; {@code chunks} when it is streamed. */
  private record InFlight(long key, PendingPrompt prompt, Submission submission, ChunkStream chunks) {
  }

  private final FairEngine engine;
  private final RequestScreen screen;
  private final RequestIntake intake;
  private final AnswerBuilder answers;
  private final Forwarding forwarding;
  private final long deadlineMs;
  private final long handoffMs;
  private final Queue<EngineEvent> events = new ConcurrentLinkedQueue<>();
  private final OutcomeSink sink = new OutcomeSink() {
    @Override
    public void finished(EngineOutcome outcome) {
      events.add(new EngineEvent(outcome.submission(), outcome, 0, null));
    }

    @Override
    public void progress(Submission submission, int first, int[] tokens) {
      events.add(new EngineEvent(submission, null, first, tokens));
    }
  };
  private final Map<Long, InFlight> inFlight = new HashMap<>();

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<Long, PendingPrompt> buffer;
  private KeyValueStore<Long, StreamProgress> streamed;
  private long nextSequence;
  /** First buffer key not yet handed to the engine (its queue was full), or -1 when all are. */
  private long firstParked = -1;
  /** Keys below this were restored from the changelog: their deadline restarts at resubmission. */
  private long restoredBelow;
  /** The hand-off punctuator while this task has work in the engine or parked, else null. */
  private Cancellable handoff;

  FairAnswerProcessor(FairEngine engine, RequestScreen screen, RequestIntake intake, AnswerBuilder answers,
      Forwarding forwarding, long deadlineMs, long handoffMs) {
    this.engine = engine;
    this.screen = screen;
    this.intake = intake;
    this.answers = answers;
    this.forwarding = forwarding;
    this.deadlineMs = deadlineMs;
    this.handoffMs = handoffMs;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.buffer = context.getStateStore(BUFFER_STORE);
    this.streamed = context.getStateStore(STREAM_STORE);
    forwarding.init(context);
    // Kafka Streams may initialise this same instance again (task revived): start from the store alone.
    nextSequence = 0;
    firstParked = -1;
    long restored = 0;
    try (KeyValueIterator<Long, PendingPrompt> all = buffer.all()) {
      while (all.hasNext()) {
        KeyValue<Long, PendingPrompt> entry = all.next();
        nextSequence = Math.max(nextSequence, entry.key + 1);
        firstParked = firstParked < 0 ? entry.key : Math.min(firstParked, entry.key);
        restored++;
      }
    }
    restoredBelow = nextSequence;
    if (restored > 0) {
      // Requests a previous owner of this task had not answered (crash, revocation): answered now.
      LOG.info("task {}: resubmitting {} buffered requests after restore", context.taskId(), restored);
      submitParked();
    }
    handOffWhileBusy();
  }

  /** Schedules the hand-off punctuator while there is work in the engine or parked, cancels it when none. */
  private void handOffWhileBusy() {
    boolean busy = !inFlight.isEmpty() || firstParked >= 0;
    if (busy && handoff == null) {
      handoff = context.schedule(Duration.ofMillis(handoffMs), PunctuationType.WALL_CLOCK_TIME, this::handOff);
    } else if (!busy) {
      cancelHandOff();
    }
  }

  private void cancelHandOff() {
    if (handoff != null) {
      handoff.cancel();
      handoff = null;
    }
  }

  @Override
  public void process(Record<String, PromptRequest> record) {
    PromptRequest request = record.value();
    if (request == null) {
      forwarding.deadLetter(record, "null value: a request needs a request_id and a prompt");
      return;
    }
    // Sizes and ids are checked before anything is buffered or tokenized (hostile input stays small).
    RequestScreen.Verdict verdict = screen.screen(request);
    if (verdict instanceof RequestScreen.Verdict.DeadLetter dead) {
      forwarding.deadLetter(record, dead.reason());
      return;
    }
    if (verdict instanceof RequestScreen.Verdict.Reject reject) {
      PendingPrompt trimmed = new PendingPrompt(reject.trimmed(), context.currentSystemTimeMs(), record.key());
      finishAnswer(trimmed, answers.rejected(trimmed, reject.reason(),
          Instant.ofEpochMilli(context.currentSystemTimeMs())), null);
      return;
    }
    forwarding.prefetch(request.getReplyTopic());
    PendingPrompt pending = new PendingPrompt(request, context.currentSystemTimeMs(), record.key());
    FairRequest resolved = resolveOrAnswer(pending);
    if (resolved == null) {
      return;
    }
    // A sampled request keeps the seed it was resolved with: a restore must sample the same answer.
    PromptRequest buffered = resolved.params().seed() == null || request.getSeed() != null ? request
        : PromptRequest.newBuilder(request).setSeed(resolved.params().seed()).build();
    pending = new PendingPrompt(buffered, pending.arrivalMillis(), pending.key());
    long key = nextSequence++;
    buffer.put(key, pending);
    if (firstParked >= 0 || !submit(key, pending, resolved)) {
      firstParked = firstParked >= 0 ? firstParked : key;
    }
    handOffWhileBusy();
  }

  /** The validated request, or null after answering it REJECTED (or FAILED) right away. */
  private FairRequest resolveOrAnswer(PendingPrompt pending) {
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    try {
      return intake.resolve(engine, pending.request());
    } catch (RequestRejectedException e) {
      finishAnswer(pending, answers.rejected(pending, e.getMessage(), now), null);
    } catch (RuntimeException e) {
      LOG.error("request {} could not be prepared: {}", pending.request().getRequestId(), e.toString());
      finishAnswer(pending, answers.failed(pending, "request could not be prepared: " + e.getMessage(), now), null);
    }
    return null;
  }

  private boolean submit(long key, PendingPrompt pending, FairRequest resolved) {
    // Measured on the clock that stamped the arrival (the task's), not on the engine's. A request a
    // previous owner lost gets its time afresh: its client is still waiting, and what it already
    // streamed must end in a final answer that says as much.
    long left = key < restoredBelow ? deadlineMs : pending.arrivalMillis() + deadlineMs - context.currentSystemTimeMs();
    long deadline = System.nanoTime() + Math.max(0, Math.min(left, Long.MAX_VALUE / 4_000_000L)) * 1_000_000L;
    boolean stream = Boolean.TRUE.equals(pending.request().getStream());
    StreamProgress sent = stream ? streamed.get(key) : null;
    sent = sent == null ? StreamProgress.NONE : sent;
    Submission submission = new Submission(resolved, deadline, key, sink, stream, sent.tokens());
    if (!engine.submit(submission)) {
      return false;
    }
    ChunkStream chunks = stream ? new ChunkStream(engine.tokenizer(), pending, sent) : null;
    inFlight.put(key, new InFlight(key, pending, submission, chunks));
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
          delete(entry.key); // answered (its validation changed with the configuration)
        } else if (!submit(entry.key, entry.value, resolved)) {
          firstParked = entry.key;
          return;
        }
      }
    }
    firstParked = -1;
  }

  /** The punctuator: forwards what the engine produced for this task; then submits parked requests. */
  private void handOff(long now) {
    Set<InFlight> chunked = new LinkedHashSet<>();
    for (EngineEvent event = events.poll(); event != null; event = events.poll()) {
      InFlight request = inFlight.get((Long) event.submission().tag());
      if (request == null || request.submission() != event.submission()) {
        continue; // cancelled meanwhile
      }
      if (event.outcome() == null) {
        request.chunks().chosen(event.first(), event.tokens());
        chunked.add(request);
        continue;
      }
      inFlight.remove(request.key());
      chunked.remove(request);
      finishAnswer(request.prompt(), answers.of(request.prompt(), event.outcome()), request.chunks());
      delete(request.key());
    }
    Instant at = Instant.ofEpochMilli(context.currentSystemTimeMs());
    for (InFlight request : chunked) {
      if (request.chunks().hasWaiting()) {
        forwarding.chunk(request.prompt(), request.chunks().next(answers.records(), at));
        streamed.put(request.key(), request.chunks().progress());
      }
    }
    if (firstParked >= 0) {
      submitParked();
    }
    handOffWhileBusy();
  }

  /** A request's final records: its last chunk when it streams, then completion, reply copy and audit. */
  private void finishAnswer(PendingPrompt prompt, CompletionRecords.Answer answer, ChunkStream chunks) {
    Instant at = Instant.ofEpochMilli(context.currentSystemTimeMs());
    if (chunks != null || Boolean.TRUE.equals(prompt.request().getStream())) {
      ChunkStream stream = chunks != null ? chunks : new ChunkStream(engine.tokenizer(), prompt, StreamProgress.NONE);
      forwarding.chunk(prompt, stream.last(answers.records(), answer, at));
    }
    forwarding.answer(prompt, answer);
  }

  private void delete(long key) {
    buffer.delete(key);
    streamed.delete(key);
  }

  @Override
  public void close() {
    // The buffer survives in the changelog: whoever owns the task next answers these requests.
    inFlight.values().forEach(request -> request.submission().cancel());
    inFlight.clear();
    events.clear();
    cancelHandOff();
  }

  /** The processor's outputs: each kind of record to its own named child (see FairTopology). */
  static final class Forwarding {
    private final ReplyRouting routing;
    private final ServiceListener listener;
    private final int maxDeadLetterBytes;
    private final AvroSerde<PromptRequest> requests = AvroSerde.of(PromptRequest.class);
    private ProcessorContext<String, SpecificRecord> context;

    Forwarding(ReplyRouting routing, ServiceListener listener, int maxDeadLetterBytes) {
      this.routing = routing;
      this.listener = listener;
      this.maxDeadLetterBytes = maxDeadLetterBytes;
    }

    /** Starts finding out whether the request's reply topic exists (never blocks). */
    void prefetch(String replyTopic) {
      routing.prefetch(replyTopic);
    }

    void init(ProcessorContext<String, SpecificRecord> processorContext) {
      this.context = processorContext;
    }

    /** The completion (with its delivery notes), the reply copy the routing allows, and the audit. */
    void answer(PendingPrompt prompt, CompletionRecords.Answer answer) {
      long timestamp = context.currentSystemTimeMs();
      String key = prompt.answerKey();
      ReplyRouting.Decision route = routing.route(prompt.request().getReplyTopic());
      FairCompletion completion = CompletionRecords.withNotes(answer.completion(), route.notes());
      context.forward(new Record<String, SpecificRecord>(key, completion, timestamp), FairTopology.COMPLETIONS);
      route.copyTo().ifPresent(topic -> reply(topic, key, answer.completion(), timestamp));
      if (!route.notes().isEmpty()) {
        LOG.warn("request {}: {}", PrintableText.oneLine(prompt.request().getRequestId(), 256), route.notes());
      }
      context.forward(new Record<String, SpecificRecord>(key, answer.audit(), timestamp), FairTopology.AUDITS);
      listener.answered(completion, answer.audit());
    }

    void chunk(PendingPrompt prompt, SpecificRecord chunk) {
      long timestamp = context.currentSystemTimeMs();
      String key = prompt.answerKey();
      context.forward(new Record<>(key, chunk, timestamp), FairTopology.CHUNKS);
      routing.route(prompt.request().getReplyTopic()).copyTo().ifPresent(topic -> reply(topic, key, chunk, timestamp));
    }

    private void reply(String topic, String key, SpecificRecord value, long timestamp) {
      RecordHeaders headers = new RecordHeaders();
      headers.add(REPLY_TOPIC_HEADER, topic.getBytes(StandardCharsets.UTF_8));
      context.forward(new Record<>(key, value, timestamp, headers), FairTopology.REPLIES);
    }

    /** A record nobody can be answered for: bounded payload (the sink cuts it), key and headers. */
    void deadLetter(Record<String, PromptRequest> record, String reason) {
      LOG.warn("dead-lettering a record: {}", DeadLetters.reason(reason));
      byte[] value = record.value() == null ? null : requests.serializer().serialize("", record.value());
      byte[] key = record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8);
      String origin = context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset()).orElse(null);
      context.forward(new Record<String, SpecificRecord>(DeadLetters.key(record.key()), record.value(),
          record.timestamp(), DeadLetters.headers(record.headers(), reason, origin, value, key, maxDeadLetterBytes)),
          FairTopology.DEAD_LETTERS);
    }
  }
}
