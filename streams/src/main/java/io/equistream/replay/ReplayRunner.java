package io.equistream.replay;

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
import io.equistream.stream.CompletionRecords;
import io.equistream.stream.PendingPrompt;
import io.equistream.stream.ReplyTopics;
import io.equistream.stream.RequestDefaults;
import io.equistream.stream.ServiceIdentity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers a batch of requests exactly as the service's batch processor does (same resolution,
 * defaults, validation, batched generation with one-by-one retry, {@link CompletionRecords}
 * mapping and size check), after applying the replay's overrides and filling in the seed the
 * service reported for requests that had none. No deadline: a replay has no poll interval to keep.
 */
final class ReplayRunner {
  /** Replaces the original request's settings; null / empty = keep the original. */
  record Overrides(String method, List<String> groups, String aggregate) {
    boolean any() {
      return method != null || groups != null || aggregate != null;
    }
  }

  private final FairEngine engine;
  private final RequestDefaults defaults;
  private final Overrides overrides;
  private final Map<String, Long> originalSeeds;
  private final CompletionRecords records;
  private final int maxOutputBytes;
  private final AvroSerde<FairCompletion> completionSerde = AvroSerde.of(FairCompletion.class);
  private final AvroSerde<FairnessAudit> auditSerde = AvroSerde.of(FairnessAudit.class);
  long seedsFromOriginals;
  long unseededSampled;

  ReplayRunner(FairEngine engine, ServiceIdentity identity, RequestDefaults defaults, Overrides overrides,
      Map<String, Long> originalSeeds, int maxOutputBytes) {
    this.engine = engine;
    this.defaults = defaults;
    this.overrides = overrides;
    this.originalSeeds = originalSeeds;
    this.records = new CompletionRecords(identity);
    this.maxOutputBytes = maxOutputBytes;
  }

  /** The request as it is replayed: overrides applied, the original's seed filled in. */
  PromptRequest prepare(PromptRequest original) {
    PromptRequest.Builder copy = PromptRequest.newBuilder(original);
    if (overrides.method() != null) {
      copy.setMethod(overrides.method());
    }
    if (overrides.groups() != null) {
      copy.setGroups(overrides.groups());
    }
    if (overrides.aggregate() != null) {
      copy.setAggregate(overrides.aggregate());
    }
    if (original.getSeed() == null && original.getTemperature() > 0) {
      Long seed = originalSeeds.get(original.getRequestId());
      if (seed != null) {
        copy.setSeed(seed);
        seedsFromOriginals++;
      } else {
        unseededSampled++;
      }
    }
    return copy.build();
  }

  List<CompletionRecords.Answer> answer(List<PromptRequest> requests) {
    List<PendingPrompt> pending = new ArrayList<>();
    long arrival = System.currentTimeMillis();
    for (PromptRequest request : requests) {
      pending.add(new PendingPrompt(prepare(request), arrival));
    }
    Map<Integer, FairRequest> accepted = new LinkedHashMap<>();
    Map<Integer, String> rejected = new LinkedHashMap<>();
    Map<Integer, Object> outcomes = new LinkedHashMap<>();
    for (int i = 0; i < pending.size(); i++) {
      try {
        accepted.put(i, resolve(pending.get(i).request()));
      } catch (RequestRejectedException e) {
        rejected.put(i, e.getMessage());
      } catch (RuntimeException e) {
        outcomes.put(i, "request could not be prepared: " + e.getMessage());
      }
    }
    long started = System.nanoTime();
    outcomes.putAll(generate(accepted));
    long inferenceMs = (System.nanoTime() - started) / 1_000_000L;
    Instant completedAt = Instant.now();
    List<CompletionRecords.Answer> answers = new ArrayList<>();
    for (int i = 0; i < pending.size(); i++) {
      PendingPrompt prompt = pending.get(i);
      CompletionRecords.Answer answer;
      if (rejected.containsKey(i)) {
        answer = records.notServed(prompt, CompletionStatus.REJECTED, rejected.get(i), completedAt);
      } else if (outcomes.get(i) instanceof GenerationResult result) {
        answer = records.ok(prompt, result, 0, inferenceMs, completedAt);
      } else {
        answer = records.notServed(prompt, CompletionStatus.FAILED, (String) outcomes.get(i), completedAt);
      }
      answers.add(sizeChecked(prompt, answer, completedAt));
    }
    return answers;
  }

  /** As FairBatchProcessor.resolve. */
  private FairRequest resolve(PromptRequest request) {
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

  private Map<Integer, Object> generate(Map<Integer, FairRequest> requests) {
    Map<Integer, Object> outcomes = new LinkedHashMap<>();
    if (requests.isEmpty()) {
      return outcomes;
    }
    List<Integer> order = new ArrayList<>(requests.keySet());
    try {
      List<GenerationResult> results = engine.generator().generate(new ArrayList<>(requests.values()));
      for (int i = 0; i < order.size(); i++) {
        outcomes.put(order.get(i), results.get(i));
      }
    } catch (RuntimeException batchFailure) {
      for (Integer index : order) {
        try {
          outcomes.put(index, engine.generator().generate(List.of(requests.get(index))).get(0));
        } catch (RuntimeException failure) {
          outcomes.put(index, "generation failed: " + failure.getMessage());
        }
      }
    }
    return outcomes;
  }

  private CompletionRecords.Answer sizeChecked(PendingPrompt prompt, CompletionRecords.Answer answer,
      Instant completedAt) {
    int completionBytes = completionSerde.serializer().serialize("", answer.completion()).length;
    int auditBytes = auditSerde.serializer().serialize("", answer.audit()).length;
    if (completionBytes <= maxOutputBytes && auditBytes <= maxOutputBytes) {
      return answer;
    }
    return records.notServed(prompt, CompletionStatus.FAILED, "answer too large: completion " + completionBytes
        + " bytes, audit " + auditBytes + " bytes; equistream.limit.max.output.bytes=" + maxOutputBytes, completedAt);
  }
}
