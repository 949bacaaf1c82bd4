package io.equistream.replay;

import io.equistream.decode.FairEngine;
import io.equistream.schemas.PromptRequest;
import io.equistream.answer.BatchAnswerer;
import io.equistream.answer.CompletionRecords;
import io.equistream.answer.PendingPrompt;
import io.equistream.answer.RequestDefaults;
import io.equistream.answer.ServiceIdentity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Answers a batch of requests with the service's own {@link BatchAnswerer} (same resolution,
 * defaults, validation, the same engine with its failure isolation, records and size check), after
 * applying the replay's overrides and filling in the seed the service reported for requests that
 * had none. No deadline: a replay waits for every answer.
 */
final class ReplayRunner {
  /** Replaces the original request's settings; null / empty = keep the original. */
  record Overrides(String method, List<String> groups, String aggregate) {
    boolean any() {
      return method != null || groups != null || aggregate != null;
    }
  }

  private final FairEngine engine;
  private final Overrides overrides;
  private final Map<String, Long> originalSeeds;
  private final BatchAnswerer answerer;
  long seedsFromOriginals;
  long unseededSampled;
  /** Requests that asked for streaming: replay answers them whole (no chunks). */
  long streamedRequests;

  ReplayRunner(FairEngine engine, ServiceIdentity identity, RequestDefaults defaults, Overrides overrides,
      Map<String, Long> originalSeeds, int maxOutputBytes) {
    this.engine = engine;
    this.overrides = overrides;
    this.originalSeeds = originalSeeds;
    this.answerer = new BatchAnswerer(defaults, identity, maxOutputBytes);
  }

  /** The request as it is replayed: overrides applied, the original's seed filled in. */
  PromptRequest prepare(PromptRequest original) {
    PromptRequest.Builder copy = PromptRequest.newBuilder(original);
    if (original.getStream()) {
      streamedRequests++;
    }
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
    return answerer.answer(engine, pending);
  }
}
