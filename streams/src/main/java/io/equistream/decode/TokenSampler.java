package io.equistream.decode;

import io.equistream.audit.TokenChoice;
import io.equistream.audit.TokenRanking;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a probability vector: greedy (TokenRanking's tie rule) or
 * temperature / top-k / top-p sampling by inverse CDF of one uniform draw u in [0, 1).
 *
 * <p>Why u is explicit: the audit applies the same u to the base distribution, so "the base token"
 * of a sampled step is what the base model would have emitted with the same randomness, and an
 * intervention counts only what fairness changed (never under method none).
 */
public final class TokenSampler {
  /** One step's rule and draw: apply it to the fair distribution and to the base one. */
  public record Draw(GenerationParams params, double u) implements TokenChoice {
    @Override
    public int choose(float[] probs) {
      return TokenSampler.choose(probs, params, u);
    }

    @Override
    public boolean sampled() {
      return params.sampling();
    }
  }

  private TokenSampler() {
  }

  /** Draws this step's u (one nextDouble per sampled step, none for greedy: seeded replays stay token-exact). */
  public static Draw draw(GenerationParams params, SplittableRandom random) {
    return new Draw(params, params.sampling() ? random.nextDouble() : 0);
  }

  /**
   * Greedy when not sampling. Sampling: weights w_t = p_t^(1/T), ranked by descending weight then
   * ascending id, cut to the top k and then to the shortest prefix whose weight reaches top_p of the
   * total; the token is the first in rank order whose cumulative weight exceeds u * (kept total).
   */
  public static int choose(float[] probs, GenerationParams params, double u) {
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
    double target = u * total;
    double cumulative = 0;
    for (int i = 0; i < keep; i++) {
      cumulative += weight[(int) ranked[i]];
      if (target < cumulative) {
        return (int) ranked[i];
      }
    }
    return (int) ranked[keep - 1];
  }
}
