package io.equistream.equivariance;

/** Numerically stable softmax (max-shifted, accumulated in double). */
public final class Softmax {
  private Softmax() {
  }

  public static float[] of(float[] logits) {
    float max = Float.NEGATIVE_INFINITY;
    for (float logit : logits) {
      max = Math.max(max, logit);
    }
    float[] out = new float[logits.length];
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      float e = (float) Math.exp(logits[i] - max);
      out[i] = e;
      sum += e;
    }
    float scale = (float) (1.0 / sum);
    for (int i = 0; i < out.length; i++) {
      out[i] *= scale;
    }
    return out;
  }
}
