package io.equistream.equivariance;

/**
 * The model's next-token outputs for each distinct sequence run this step: probabilities (given,
 * or the softmax of the logits computed once on demand) and, where a caller needs them, logits.
 */
public final class RowOutputs {
  private final float[][] logits;
  private final float[][] probs;

  public RowOutputs(float[][] logits) {
    this(logits, new float[logits.length][]);
  }

  /** With softmaxes already computed (null entries are computed on demand). */
  public RowOutputs(float[][] logits, float[][] probs) {
    this.logits = logits;
    this.probs = probs;
  }

  /** Softmax of every row, rows spread over the cores (the per-step hot spot after the model). */
  public static RowOutputs withAllProbs(float[][] logits) {
    float[][] probs = new float[logits.length][];
    java.util.stream.IntStream.range(0, logits.length).parallel().forEach(r -> probs[r] = Softmax.of(logits[r]));
    return new RowOutputs(logits, probs);
  }

  /** Rows [from, from + count) as their own outputs (shares the arrays). */
  public RowOutputs slice(int from, int count) {
    return new RowOutputs(java.util.Arrays.copyOfRange(logits, from, from + count),
        java.util.Arrays.copyOfRange(probs, from, from + count));
  }

  public int count() {
    return logits.length;
  }

  public int vocabSize() {
    return logits[0] != null ? logits[0].length : probs[0].length;
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
