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
    double threshold = threshold(max(probs));
    for (int t = 0; t < probs.length; t++) {
      if (probs[t] >= threshold) {
        return t;
      }
    }
    throw new IllegalArgumentException("empty or NaN distribution");
  }

  /** Number of tokens tied for the maximum under the tie tolerance. */
  public static int tiedAtMax(float[] probs) {
    double threshold = threshold(max(probs));
    int tied = 0;
    for (float p : probs) {
      if (p >= threshold) {
        tied++;
      }
    }
    return tied;
  }

  private static double threshold(float max) {
    return max - TIE_TOLERANCE * Math.abs(max);
  }

  /**
   * The largest entry (NaN when any is NaN: then no token passes the threshold, and argmax says so).
   * Four running maxima instead of one: a max is exact in any order, and independent lanes do not
   * wait on each other (this runs over 50,257 entries several times per request per step).
   */
  static float max(float[] values) {
    float m0 = Float.NEGATIVE_INFINITY;
    float m1 = m0;
    float m2 = m0;
    float m3 = m0;
    int t = 0;
    for (; t + 3 < values.length; t += 4) {
      m0 = Math.max(m0, values[t]);
      m1 = Math.max(m1, values[t + 1]);
      m2 = Math.max(m2, values[t + 2]);
      m3 = Math.max(m3, values[t + 3]);
    }
    for (; t < values.length; t++) {
      m0 = Math.max(m0, values[t]);
    }
    return Math.max(Math.max(m0, m1), Math.max(m2, m3));
  }
}
