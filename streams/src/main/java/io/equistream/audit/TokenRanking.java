package io.equistream.audit;

/**
 * Greedy choice with an explicit tie rule: tokens whose probability is within a relative 1e-6 of the
 * maximum are tied, and the lowest token id among them wins. (No deterministic rule can be
 * equivariant on an exact tie between orbit words of a g-invariant prompt; see the README.)
 */
public final class TokenRanking {
  public static final double TIE_TOLERANCE = 1e-6;

  private TokenRanking() {
  }

  public static int argmax(float[] probs) {
    float max = Float.NEGATIVE_INFINITY;
    for (float p : probs) {
      max = Math.max(max, p);
    }
    double threshold = max - TIE_TOLERANCE * Math.abs(max);
    for (int t = 0; t < probs.length; t++) {
      if (probs[t] >= threshold) {
        return t;
      }
    }
    throw new IllegalArgumentException("empty or NaN distribution");
  }

  /** Number of tokens tied for the maximum under the tie tolerance. */
  public static int tiedAtMax(float[] probs) {
    float max = Float.NEGATIVE_INFINITY;
    for (float p : probs) {
      max = Math.max(max, p);
    }
    double threshold = max - TIE_TOLERANCE * Math.abs(max);
    int tied = 0;
    for (float p : probs) {
      if (p >= threshold) {
        tied++;
      }
    }
    return tied;
  }
}
