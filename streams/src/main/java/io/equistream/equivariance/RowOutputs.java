package io.equistream.equivariance;

/** The model's next-token logits for each distinct sequence run this step, softmax computed once on demand. */
public final class RowOutputs {
  private final float[][] logits;
  private final float[][] probs;

  public RowOutputs(float[][] logits) {
    this.logits = logits;
    this.probs = new float[logits.length][];
  }

  public int count() {
    return logits.length;
  }

  public int vocabSize() {
    return logits[0].length;
  }

  public float[] logits(int row) {
    return logits[row];
  }

  public float[] probs(int row) {
    if (probs[row] == null) {
      probs[row] = Softmax.of(logits[row]);
    }
    return probs[row];
  }
}
