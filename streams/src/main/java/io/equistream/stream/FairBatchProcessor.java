package io.equistream.stream;

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
  private final CompletionRecords records;
  private final Predicate<String> replyTopicUsable;
  private final long stepDelayMs;
  private final int maxOutputBytes;
  private final ServiceListener listener;
  private final AvroSerde<FairCompletion> completionSerde = AvroSerde.of(FairCompletion.class);
  private final AvroSerde<FairnessAudit> auditSerde = AvroSerde.of(FairnessAudit.class);
  private final AvroSerde<PromptRequest> requestSerde = AvroSerde.of(PromptRequest.class);

  private ProcessorContext<String, Object> context;
  private KeyValueStore<Long, PendingPrompt> buffer;
  private long nextSequence;
  private int bufferedRequests;
  private long bufferedTokens;
  private long oldestArrival;

  FairBatchProcessor(Supplier<FairEngine> engines, BatchLimits limits, RequestDefaults defaults,
      ServiceIdentity identity, Predicate<String> replyTopicUsable, long stepDelayMs, int maxOutputBytes,
      ServiceListener listener) {
    this.engines = engines;
    this.limits = limits;
    this.defaults = defaults;
    this.records = new CompletionRecords(identity);
    this.replyTopicUsable = replyTopicUsable;
    this.stepDelayMs = stepDelayMs;
    this.maxOutputBytes = maxOutputBytes;
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
    PendingPrompt pending = new PendingPrompt(request, context.currentSystemTimeMs());
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
    long flushStarted = context.currentSystemTimeMs();
    FairEngine engine = engines.get();
    Map<Integer, FairRequest> accepted = new LinkedHashMap<>();
    Map<Integer, String> rejected = new LinkedHashMap<>();
    Map<Integer, Object> outcomes = new LinkedHashMap<>();
    for (int i = 0; i < pending.size(); i++) {
      try {
        accepted.put(i, resolve(engine, pending.get(i).request()));
      } catch (RequestRejectedException e) {
        rejected.put(i, e.getMessage());
      } catch (RuntimeException e) {
        LOG.error("request {} could not be prepared: {}", pending.get(i).request().getRequestId(), e.toString());
        outcomes.put(i, "request could not be prepared: " + e.getMessage());
      }
    }
    long started = System.nanoTime();
    outcomes.putAll(generate(engine, accepted, started + limits.deadlineMs() * 1_000_000L));
    long inferenceMs = (System.nanoTime() - started) / 1_000_000L;
    Instant completedAt = Instant.ofEpochMilli(context.currentSystemTimeMs());
    for (int i = 0; i < pending.size(); i++) {
      PendingPrompt prompt = pending.get(i);
      CompletionRecords.Answer answer;
      if (rejected.containsKey(i)) {
        answer = records.notServed(prompt, CompletionStatus.REJECTED, rejected.get(i), completedAt);
      } else if (outcomes.get(i) instanceof GenerationResult result) {
        answer = records.ok(prompt, result, Math.max(0, flushStarted - prompt.arrivalMillis()), inferenceMs, completedAt);
      } else {
        answer = records.notServed(prompt, CompletionStatus.FAILED, (String) outcomes.get(i), completedAt);
      }
      emit(prompt, sizeChecked(prompt, answer, completedAt));
      buffer.delete(keys.get(i));
    }
    bufferedRequests = 0;
    bufferedTokens = 0;
    listener.batchDone(pending.size(), accepted.size(), inferenceMs);
  }

  private FairRequest resolve(FairEngine engine, PromptRequest request) {
    Integer maxNewTokens = request.getMaxNewTokens();
    GenerationParams params = new GenerationParams(maxNewTokens == null ? defaults.maxNewTokens() : maxNewTokens,
        request.getTemperature(), request.getTopK(), request.getTopP(), request.getSeed(), request.getStop());
    String replyTopic = request.getReplyTopic();
    if (replyTopic != null && !ReplyTopics.isLegalName(replyTopic)) {
      throw new RequestRejectedException("reply_topic '" + replyTopic + "' is not a legal topic name");
    }
    return engine.resolver().resolve(request.getRequestId(), request.getPrompt(), params,
        request.getMethod() == null ? defaults.method() : request.getMethod(), request.getGroups(),
        request.getAggregate() == null ? defaults.aggregate() : request.getAggregate());
  }

  /**
   * Runs the batch; if it fails, each request is retried alone so one bad request cannot fail the
   * others. Values are GenerationResult or the failure reason.
   */
  private Map<Integer, Object> generate(FairEngine engine, Map<Integer, FairRequest> requests, long deadlineNanos) {
    Map<Integer, Object> outcomes = new LinkedHashMap<>();
    if (requests.isEmpty()) {
      return outcomes;
    }
    List<Integer> order = new ArrayList<>(requests.keySet());
    try {
      List<GenerationResult> results = engine.generator().generate(new ArrayList<>(requests.values()), deadlineNanos,
          this::afterStep);
      for (int i = 0; i < order.size(); i++) {
        outcomes.put(order.get(i), results.get(i));
      }
    } catch (RuntimeException batchFailure) {
      LOG.error("batch of {} failed ({}); retrying each request alone", requests.size(), batchFailure.toString());
      for (Integer index : order) {
        try {
          outcomes.put(index, engine.generator().generate(List.of(requests.get(index)), deadlineNanos,
              this::afterStep).get(0));
        } catch (RuntimeException failure) {
          LOG.error("request {} failed in generation: {}", requests.get(index).id(), failure.toString());
          outcomes.put(index, "generation failed: " + failure.getMessage());
        }
      }
    }
    return outcomes;
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

  /** Oversized answers fail loudly: a FAILED completion that says how big, and an audit without per-step detail. */
  private CompletionRecords.Answer sizeChecked(PendingPrompt prompt, CompletionRecords.Answer answer, Instant completedAt) {
    int completionBytes = completionSerde.serializer().serialize("", answer.completion()).length;
    int auditBytes = auditSerde.serializer().serialize("", answer.audit()).length;
    if (completionBytes <= maxOutputBytes && auditBytes <= maxOutputBytes) {
      return answer;
    }
    String reason = "answer too large: completion " + completionBytes + " bytes, audit " + auditBytes
        + " bytes; equistream.limit.max.output.bytes=" + maxOutputBytes;
    LOG.error("request {}: {}", prompt.request().getRequestId(), reason);
    return records.notServed(prompt, CompletionStatus.FAILED, reason, completedAt);
  }

  private void emit(PendingPrompt prompt, CompletionRecords.Answer answer) {
    PromptRequest request = prompt.request();
    String key = request.getConversationId() == null || request.getConversationId().isEmpty()
        ? request.getRequestId() : request.getConversationId();
    long timestamp = context.currentSystemTimeMs();
    context.forward(new Record<String, Object>(key, answer.completion(), timestamp));
    String replyTopic = request.getReplyTopic();
    if (replyTopic != null && ReplyTopics.isLegalName(replyTopic)) {
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
