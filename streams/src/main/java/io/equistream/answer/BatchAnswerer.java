package io.equistream.answer;

import io.equistream.decode.FairEngine;
import io.equistream.decode.FairGenerator;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.decode.GenerationResult;
import io.equistream.decode.RequestRejectedException;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a batch of requests into exactly one answer each, in order: resolve (defaults, limits,
 * validation), generate all accepted requests together (one by one after a batch failure, so one
 * bad request cannot fail the others), map to Avro records, and fail oversized answers loudly.
 * The service's batch processor and replay share it, so a replay runs the service's code path.
 */
public final class BatchAnswerer {
  private static final Logger LOG = LoggerFactory.getLogger(BatchAnswerer.class);

  /** The answers of one batch, and how long generating it took. */
  public record Batch(List<CompletionRecords.Answer> answers, int generated, long inferenceMs) {
  }

  private final RequestDefaults defaults;
  private final CompletionRecords records;
  private final int maxOutputBytes;
  private final AvroSerde<FairCompletion> completionSerde = AvroSerde.of(FairCompletion.class);
  private final AvroSerde<FairnessAudit> auditSerde = AvroSerde.of(FairnessAudit.class);

  public BatchAnswerer(RequestDefaults defaults, ServiceIdentity identity, int maxOutputBytes) {
    this.defaults = defaults;
    this.records = new CompletionRecords(identity);
    this.maxOutputBytes = maxOutputBytes;
  }

  /**
   * @param deadlineNanos System.nanoTime() after which generation stops (finish reason deadline)
   * @param flushStartedMillis when the batch started, for each request's queue time
   * @param nowMillis the clock that stamps completion times
   */
  public Batch answer(FairEngine engine, List<PendingPrompt> pending, long deadlineNanos,
      FairGenerator.StepListener steps, long flushStartedMillis, LongSupplier nowMillis) {
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
    outcomes.putAll(generate(engine, accepted, deadlineNanos, steps));
    long inferenceMs = (System.nanoTime() - started) / 1_000_000L;
    Instant completedAt = Instant.ofEpochMilli(nowMillis.getAsLong());
    List<CompletionRecords.Answer> answers = new ArrayList<>();
    for (int i = 0; i < pending.size(); i++) {
      PendingPrompt prompt = pending.get(i);
      CompletionRecords.Answer answer;
      if (rejected.containsKey(i)) {
        answer = records.notServed(prompt, CompletionStatus.REJECTED, rejected.get(i), completedAt);
      } else if (outcomes.get(i) instanceof GenerationResult result) {
        answer = records.ok(prompt, result, Math.max(0, flushStartedMillis - prompt.arrivalMillis()), inferenceMs,
            completedAt);
      } else {
        answer = records.notServed(prompt, CompletionStatus.FAILED, (String) outcomes.get(i), completedAt);
      }
      answers.add(sizeChecked(prompt, answer, completedAt));
    }
    return new Batch(answers, accepted.size(), inferenceMs);
  }

  private FairRequest resolve(FairEngine engine, PromptRequest request) {
    Integer maxNewTokens = request.getMaxNewTokens();
    GenerationParams params = new GenerationParams(maxNewTokens == null ? defaults.maxNewTokens() : maxNewTokens,
        request.getTemperature(), request.getTopK(), request.getTopP(), request.getSeed(), request.getStop());
    String replyTopic = request.getReplyTopic();
    if (replyTopic != null && !TopicNames.isLegal(replyTopic)) {
      throw new RequestRejectedException("reply_topic '" + replyTopic + "' is not a legal topic name");
    }
    return engine.resolver().resolve(request.getRequestId(), request.getPrompt(), params,
        request.getMethod() == null ? defaults.method() : request.getMethod(), request.getGroups(),
        request.getAggregate() == null ? defaults.aggregate() : request.getAggregate(),
        request.getFirstStepCounterfactuals());
  }

  /** Values are GenerationResult or the failure reason. */
  private Map<Integer, Object> generate(FairEngine engine, Map<Integer, FairRequest> requests, long deadlineNanos,
      FairGenerator.StepListener steps) {
    Map<Integer, Object> outcomes = new LinkedHashMap<>();
    if (requests.isEmpty()) {
      return outcomes;
    }
    List<Integer> order = new ArrayList<>(requests.keySet());
    try {
      List<GenerationResult> results = engine.generator().generate(new ArrayList<>(requests.values()), deadlineNanos,
          steps);
      for (int i = 0; i < order.size(); i++) {
        outcomes.put(order.get(i), results.get(i));
      }
    } catch (RuntimeException batchFailure) {
      LOG.error("batch of {} failed ({}); retrying each request alone", requests.size(), batchFailure.toString());
      for (Integer index : order) {
        try {
          outcomes.put(index, engine.generator().generate(List.of(requests.get(index)), deadlineNanos, steps).get(0));
        } catch (RuntimeException failure) {
          LOG.error("request {} failed in generation: {}", requests.get(index).id(), failure.toString());
          outcomes.put(index, "generation failed: " + failure.getMessage());
        }
      }
    }
    return outcomes;
  }

  /** Oversized answers fail loudly: a FAILED completion that says how big, and an audit without per-step detail. */
  private CompletionRecords.Answer sizeChecked(PendingPrompt prompt, CompletionRecords.Answer answer,
      Instant completedAt) {
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
}
