package io.equistream.decode;

import io.equistream.audit.TokenRanking;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * TokenSampler's full ranking without its top-k fast path (as of commit a1cefdd), with the draw's
 * walk in id order as now (no orbits): shows that the fast path picks the same token for the same draw. Picks the next token from a probability vector: greedy (TokenRanking's tie rule) or
 * temperature / top-k / top-p sampling driven by the request's seeded generator.
 */
final class ReferenceTokenSampler {
  private ReferenceTokenSampler() {
  }

  static int choose(float[] probs, GenerationParams params, SplittableRandom random) {
    if (!params.sampling()) {
      return TokenRanking.argmax(probs);
    }
    // p^(1/T), renormalized later; computed from log p so tiny probabilities stay finite.
    double inverseTemperature = 1.0 / params.temperature();
    int candidates = 0;
    long[] order = new long[probs.length];
    double[] weight = new double[probs.length];
    double maxLog = Double.NEGATIVE_INFINITY;
    for (int t = 0; t < probs.length; t++) {
      if (probs[t] > 0) {
        maxLog = Math.max(maxLog, Math.log(probs[t]) * inverseTemperature);
      }
    }
    for (int t = 0; t < probs.length; t++) {
      if (probs[t] > 0) {
        double w = Math.exp(Math.log(probs[t]) * inverseTemperature - maxLog);
        if (w > 0) {
          weight[t] = w;
          // Sort key: descending weight, then ascending id (float bits of a positive float order like ints).
          order[candidates++] = ((long) (Integer.MAX_VALUE - Float.floatToIntBits((float) w)) << 32) | t;
        }
      }
    }
    if (candidates == 0) {
      return TokenRanking.argmax(probs);
    }
    long[] ranked = Arrays.copyOf(order, candidates);
    Arrays.sort(ranked);
    int keep = params.topK() > 0 ? Math.min(params.topK(), candidates) : candidates;
    double total = 0;
    for (int i = 0; i < keep; i++) {
      total += weight[(int) ranked[i]];
    }
    if (params.topP() < 1) {
      double cumulative = 0;
      for (int i = 0; i < keep; i++) {
        cumulative += weight[(int) ranked[i]];
        if (cumulative >= params.topP() * total) {
          keep = i + 1;
          total = cumulative;
          break;
        }
      }
    }
    // The draw walks the kept tokens in ascending id (since the noise fix; was rank order).
    int[] kept = new int[keep];
    for (int i = 0; i < keep; i++) {
      kept[i] = (int) ranked[i];
    }
    Arrays.sort(kept);
    double target = random.nextDouble() * total;
    double cumulative = 0;
    for (int token : kept) {
      cumulative += weight[token];
      if (target < cumulative) {
        return token;
      }
    }
    return kept[keep - 1];
  }
}
