package io.equistream.bench;

import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.decode.GenerationResult;
import io.equistream.equivariance.Aggregation;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.group.ProductGroup;
import java.util.ArrayList;
import java.util.List;

/** Times the fair decoder in-process: one configuration = method x dedup x groups x prompt x concurrency. */
final class DecoderBench {
  /** One measured configuration. */
  record Result(String method, boolean dedup, String groups, String prompt, int attributes, int concurrency,
      int tokens, double seconds, double sequencesPerStep, double msPerToken, double tokensPerSecond,
      long peakHeapBytes, long peakRssBytes, double temperature) {
  }

  private final FairEngine dedupEngine;
  private final FairEngine plainEngine;
  private final int newTokens;

  DecoderBench(FairEngine dedupEngine, FairEngine plainEngine, int newTokens) {
    this.dedupEngine = dedupEngine;
    this.plainEngine = plainEngine;
    this.newTokens = newTokens;
  }

  Result run(FairnessMethod method, boolean dedup, List<String> groupNames, String prompt, int attributes,
      int concurrency) {
    return run(method, dedup, groupNames, prompt, attributes, concurrency, 0);
  }

  /** temperature 0 = greedy; above 0, sampled with request i seeded i (symsample needs it). */
  Result run(FairnessMethod method, boolean dedup, List<String> groupNames, String prompt, int attributes,
      int concurrency, double temperature) {
    FairEngine engine = dedup ? dedupEngine : plainEngine;
    ProductGroup group = engine.catalog().select(groupNames);
    List<FairRequest> requests = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      GenerationParams params = temperature > 0 ? new GenerationParams(newTokens, temperature, 0, 1, (long) i, null)
          : GenerationParams.greedy(newTokens);
      FairRequest resolved = engine.resolver().resolve("bench-" + i, prompt, params,
          method.label(), groupNames, Aggregation.PROBS.label());
      requests.add(resolved);
    }
    // Warm up with this exact batch shape: ONNX Runtime's arena grows on first use of a larger batch.
    engine.generator().generate(requests.stream().map(r -> r.withMaxNewTokens(2)).toList());
    MemoryProbe.resetPeaks();
    long started = System.nanoTime();
    List<GenerationResult> results = engine.generator().generate(requests);
    double seconds = (System.nanoTime() - started) / 1e9;
    int tokens = 0;
    long sequences = 0;
    long steps = 0;
    for (GenerationResult result : results) {
      tokens += Math.max(1, result.audit().steps().size());
      sequences += result.forwardSequences();
      steps += result.sequencesPerStep().length;
    }
    int tokensPerRequest = Math.max(1, tokens / concurrency);
    return new Result(method.label(), dedup, String.join("x", orders(group)), prompt, attributes, concurrency, tokens,
        seconds, (double) sequences / Math.max(1, steps), 1000 * seconds / tokensPerRequest, tokens / seconds,
        MemoryProbe.peakHeapBytes(), MemoryProbe.peakResidentBytes(), temperature);
  }

  private static List<String> orders(ProductGroup group) {
    return group.factors().stream().map(g -> String.valueOf(g.order())).toList();
  }
}
