package io.equistream.bench;

import ai.onnxruntime.OrtException;
import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.decode.GenerationResult;
import io.equistream.equivariance.Aggregation;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.group.ProductGroup;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Times the fair decoder in-process, on the engine: one configuration = method x dedup x groups x
 * prompt x concurrency, all requests submitted together. Beside each, the bare ONNX Runtime loop
 * over the same graph at the same rows per step (rounded), same prompt length and tokens, in the
 * same run: {@code keptOfBare} is the fair decoder's rows/s over the bare loop's.
 */
final class DecoderBench {
  /** One measured configuration. */
  record Result(String method, boolean dedup, String groups, String prompt, int attributes, int concurrency,
      int tokens, double seconds, double sequencesPerStep, double msPerToken, double tokensPerSecond,
      double rowsPerSecond, double bareRowsPerSecond, double keptOfBare, long peakHeapBytes, long peakRssBytes,
      double temperature) {
  }

  private final FairEngine dedupEngine;
  private final FairEngine plainEngine;
  private final BareOrtLoop bare;
  private final int newTokens;
  private final Map<List<Integer>, BareOrtLoop.Result> bareResults = new HashMap<>();

  DecoderBench(FairEngine dedupEngine, FairEngine plainEngine, BareOrtLoop bare, int newTokens) {
    this.dedupEngine = dedupEngine;
    this.plainEngine = plainEngine;
    this.bare = bare;
    this.newTokens = newTokens;
  }

  /** temperature 0 = greedy; above 0, sampled with request i seeded i (symsample needs it). */
  Result run(FairnessMethod method, boolean dedup, List<String> groupNames, String prompt, int attributes,
      int concurrency, double temperature) throws OrtException {
    return run(method, dedup, groupNames, prompt, attributes, concurrency, temperature, false);
  }

  /** As above; {@code freshBare}: the bare loop is measured again right after, not taken from an earlier run. */
  Result run(FairnessMethod method, boolean dedup, List<String> groupNames, String prompt, int attributes,
      int concurrency, double temperature, boolean freshBare) throws OrtException {
    FairEngine engine = dedup ? dedupEngine : plainEngine;
    ProductGroup group = engine.catalog().select(groupNames);
    List<FairRequest> requests = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      GenerationParams params = temperature > 0 ? new GenerationParams(newTokens, temperature, 0, 1, (long) i, null)
          : GenerationParams.greedy(newTokens);
      requests.add(engine.resolver().resolve("bench-" + i, prompt, params, method.label(), groupNames,
          Aggregation.PROBS.label()));
    }
    // Warm up with this exact batch shape: ONNX Runtime's arena grows on first use of a larger batch.
    engine.generate(requests.stream().map(r -> r.withMaxNewTokens(2)).toList());
    MemoryProbe.resetPeaks();
    long started = System.nanoTime();
    List<GenerationResult> results = engine.generate(requests);
    double seconds = (System.nanoTime() - started) / 1e9;
    long peakHeap = MemoryProbe.peakHeapBytes();
    long peakRss = MemoryProbe.peakResidentBytes();
    int tokens = 0;
    long sequences = 0;
    long steps = 0;
    for (GenerationResult result : results) {
      tokens += Math.max(1, result.audit().steps().size());
      sequences += result.forwardSequences();
      steps += result.sequencesPerStep().length;
    }
    double rowsPerStep = (double) sequences / Math.max(1, steps) * concurrency;
    double rowsPerSecond = sequences / seconds;
    int bareRows = (int) Math.max(1, Math.round(rowsPerStep));
    int bareSteps = (int) Math.max(1, steps / concurrency);
    BareOrtLoop.Result yardstick = freshBare ? bare.run(requests.get(0).promptIds(), bareRows, bareSteps)
        : bare(requests.get(0).promptIds(), bareRows, bareSteps);
    int tokensPerRequest = Math.max(1, tokens / concurrency);
    return new Result(method.label(), dedup, String.join("x", orders(group)), prompt, attributes, concurrency, tokens,
        seconds, rowsPerStep / concurrency, 1000 * seconds / tokensPerRequest, tokens / seconds, rowsPerSecond,
        yardstick.rowsPerSecond(), rowsPerSecond / yardstick.rowsPerSecond(), peakHeap, peakRss, temperature);
  }

  /** The bare loop at these rows, prompt length and steps (measured once per shape, after a warm-up). */
  BareOrtLoop.Result bare(int[] prompt, int rows, int steps) throws OrtException {
    List<Integer> shape = List.of(rows, prompt.length, steps);
    BareOrtLoop.Result known = bareResults.get(shape);
    if (known == null) {
      bare.run(prompt, rows, 2);
      known = bare.run(prompt, rows, steps);
      bareResults.put(shape, known);
    }
    return known;
  }

  private static List<String> orders(ProductGroup group) {
    return group.factors().stream().map(g -> String.valueOf(g.order())).toList();
  }
}
