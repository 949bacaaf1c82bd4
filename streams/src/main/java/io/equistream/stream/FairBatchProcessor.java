package io.equistream.stream;

import io.equistream.answer.BatchAnswerer;
import io.equistream.answer.CompletionRecords;
import io.equistream.answer.PendingPrompt;
import io.equistream.answer.RequestDefaults;
import io.equistream.answer.ServiceIdentity;
import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.decode.GenerationResult;
import io.equistream.decode.RequestRejectedException;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;
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
 * Buffers requests in a changelogged store (so exactly-once holds across crashes: a committed
 * offset never outruns an unanswered request) and answers them in batches: when the batch is full
 * (requests or requested tokens) or {@code linger} after its first request. All variants of all
 * requests of a batch go through the model together. Every request gets a completion and an audit
 * record, in arrival order; generation time is capped by the batch deadline.
 */
final class FairBatchProcessor implements Processor<String, PromptRequest, String, Object> {
  static final String BUFFER_STORE = "pending-prompts";
  static final String ERROR_HEADER = "equistream.error";
  private static final Logger LOG = LoggerFactory.getLogger(FairBatchProcessor.class);

  private final Supplier<FairEngine> engines;
  private final BatchLimits limits;
  private final RequestDefaults defaults;
  private final BatchAnswerer answerer;
  private final Predicate<String> replyTopicUsable;
  private final long stepDelayMs;
  private final ServiceListener listener;
  private final AvroSerde<PromptRequest> requestSerde = AvroSerde.of(PromptRequest.class);

  private ProcessorContext<String, Object> context;
  private KeyValueStore<Long, PendingPrompt> buffer;
  private long nextSequence;
  private int bufferedRequests;
  private long bufferedTokens;
  private long oldestArrival;
  /**
   * Kafka Streams' cached wall clock is not advanced while a batch generates, so records processed
   * right after a long flush would look old and be flushed at once as a tiny "lingered" batch.
   * Time never reads earlier than the end of the last flush.
   */
  private long clockFloorMillis;

  FairBatchProcessor(Supplier<FairEngine> engines, BatchLimits limits, RequestDefaults defaults,
      ServiceIdentity identity, Predicate<String> replyTopicUsable, long stepDelayMs, int maxOutputBytes,
      ServiceListener listener) {
    this.engines = engines;
    this.limits = limits;
    this.defaults = defaults;
    this.answerer = new BatchAnswerer(defaults, identity, maxOutputBytes);
    this.replyTopicUsable = replyTopicUsable;
    this.stepDelayMs = stepDelayMs;
    this.listener = listener;
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    this.buffer = context.getStateStore(BUFFER_STORE);
    // Requests restored from the changelog (a crash before they were answered) are answered first.
    try (KeyValueIterator<Long, PendingPrompt> restored = buffer.all()) {
      while (restored.hasNext()) {
        KeyValue<Long, PendingPrompt> entry = restored.next();
        nextSequence = Math.max(nextSequence, entry.key + 1);
        track(entry.value);
      }
    }
    long tick = Math.max(1, limits.lingerMs() / 2);
    context.schedule(Duration.ofMillis(tick), PunctuationType.WALL_CLOCK_TIME, now -> flushIfDue(now));
  }

  @Override
  public void process(Record<String, PromptRequest> record) {
    PromptRequest request = record.value();
    if (request == null) {
      deadLetter(record, null, "null value: a request needs a request_id and a prompt");
      return;
    }
    if (request.getRequestId() == null || request.getRequestId().isBlank()) {
      deadLetter(record, requestSerde.serializer().serialize("", request), "missing request_id: nobody to answer");
      return;
    }
    PendingPrompt pending = new PendingPrompt(request, now());
    buffer.put(nextSequence++, pending);
    track(pending);
    if (bufferedRequests >= limits.maxRequests() || bufferedTokens >= limits.maxNewTokens()) {
      flush();
    }
  }

  private void track(PendingPrompt pending) {
    if (bufferedRequests == 0) {
      oldestArrival = pending.arrivalMillis();
    }
    bufferedRequests++;
    Integer asked = pending.request().getMaxNewTokens();
    bufferedTokens += asked == null ? defaults.maxNewTokens() : Math.max(1, Math.min(asked, 1 << 20));
  }

  private long now() {
    return Math.max(context.currentSystemTimeMs(), clockFloorMillis);
  }

  /** Moves the clock floor to the real end of the work that began at {@code startedMillis}. */
  private long advanceClock(long startedMillis, long startedNanos) {
    clockFloorMillis = Math.max(clockFloorMillis, startedMillis + (System.nanoTime() - startedNanos) / 1_000_000L);
    return now();
  }

  private void flushIfDue(long now) {
    if (bufferedRequests > 0 && now - oldestArrival >= limits.lingerMs()) {
      flush();
    }
  }

  private void deadLetter(Record<String, PromptRequest> record, byte[] value, String reason) {
    LOG.warn("dead-lettering a record: {}", reason);
    RecordHeaders headers = new RecordHeaders(record.headers().toArray());
    headers.add(ERROR_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    context.forward(new Record<String, Object>(record.key(), new DeadLetter(value, reason), record.timestamp(), headers));
  }

  /** Answers every buffered request, in arrival order, and empties the buffer. */
  private void flush() {
    List<Long> keys = new ArrayList<>();
    List<PendingPrompt> pending = new ArrayList<>();
    try (KeyValueIterator<Long, PendingPrompt> all = buffer.all()) {
      while (all.hasNext()) {
        KeyValue<Long, PendingPrompt> entry = all.next();
        keys.add(entry.key);
        pending.add(entry.value);
      }
    }
    long flushStarted = now();
    long flushStartedNanos = System.nanoTime();
    long deadline = flushStartedNanos + limits.deadlineMs() * 1_000_000L;
    BatchAnswerer.Batch batch = answerer.answer(engines.get(), pending, deadline, this::afterStep, flushStarted,
        () -> advanceClock(flushStarted, flushStartedNanos));
    for (int i = 0; i < pending.size(); i++) {
      emit(pending.get(i), batch.answers().get(i));
      buffer.delete(keys.get(i));
    }
    bufferedRequests = 0;
    bufferedTokens = 0;
    advanceClock(flushStarted, flushStartedNanos);
    listener.batchDone(pending.size(), batch.generated(), batch.inferenceMs());
  }

  private void afterStep(int step, int active, int rows, long nanos) {
    listener.stepDone(rows, nanos);
    if (stepDelayMs > 0) {
      try {
        Thread.sleep(stepDelayMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void emit(PendingPrompt prompt, CompletionRecords.Answer answer) {
    PromptRequest request = prompt.request();
    String key = request.getConversationId() == null || request.getConversationId().isEmpty()
        ? request.getRequestId() : request.getConversationId();
    long timestamp = now();
    context.forward(new Record<String, Object>(key, answer.completion(), timestamp));
    String replyTopic = request.getReplyTopic();
    if (replyTopic != null && io.equistream.answer.TopicNames.isLegal(replyTopic)) {
      if (replyTopicUsable.test(replyTopic)) {
        context.forward(new Record<String, Object>(key, new ReplyCopy(replyTopic, answer.completion()), timestamp));
      } else {
        LOG.warn("request {}: reply topic does not exist; answering on the completions topic only",
            request.getRequestId());
      }
    }
    context.forward(new Record<String, Object>(key, answer.audit(), timestamp));
    listener.answered(answer.completion(), answer.audit());
  }

  @Override
  public void close() {
    // The buffer store survives; unanswered requests are answered after restore.
  }
}
