package io.equistream.lm;

import java.nio.FloatBuffer;

/**
 * One step's next-token outputs, row by row in the order the rows were given, in native buffers:
 * logits [rows, vocab], and their softmax, computed by ONNX Runtime for all rows at once on first
 * use. Rows are copied into Java arrays only when asked for. Close it to give the buffers back.
 * Owned by the engine thread (the arrays it fills may be read anywhere).
 */
public final class StepOutput implements AutoCloseable {
  private final NativeBuffers pool;
  private final NativeSoftmax softmax;
  private final int rows;
  private final int vocab;
  private NativeBuffers.Block logits;
  private NativeBuffers.Block probs;

  StepOutput(NativeBuffers pool, NativeSoftmax softmax, int rows, int vocab) {
    this.pool = pool;
    this.softmax = softmax;
    this.rows = rows;
    this.vocab = vocab;
  }

  /** Takes a [rows, 1, vocab] logits block whose rows are this output's, in order, as its own. */
  void adopt(NativeBuffers.Block block) {
    logits = block;
  }

  /** Copies one row of logits in from {@code source} at {@code offset}. */
  void copyRow(int row, FloatBuffer source, int offset) {
    if (logits == null) {
      logits = pool.acquire((long) rows * vocab);
    }
    logits.floats().put(row * vocab, source, offset, vocab);
  }

  public int rows() {
    return rows;
  }

  public int vocabSize() {
    return vocab;
  }

  /** Row {@code row}'s logits, in {@code into} when it has the vocabulary's length (else a new array). */
  public float[] logits(int row, float[] into) {
    return copy(logits.floats(), row, into);
  }

  /** Row {@code row}'s next-token probabilities (softmax of its logits; see {@link #computeProbs()}). */
  public float[] probs(int row, float[] into) {
    computeProbs();
    return copy(probs.floats(), row, into);
  }

  /** Runs the softmax of every row (once); call it on the owning thread before others read probabilities. */
  public void computeProbs() {
    if (probs == null) {
      probs = pool.acquire((long) rows * vocab);
      softmax.run(logits.floats(), probs.floats(), rows, vocab);
    }
  }

  private float[] copy(FloatBuffer source, int row, float[] into) {
    float[] target = into != null && into.length == vocab ? into : new float[vocab];
    source.get(row * vocab, target, 0, vocab); // below 2^28: a block is at most NativeBuffers.MAX_TENSOR_BYTES
    return target;
  }

  @Override
  public void close() {
    if (logits != null) {
      pool.release(logits);
      logits = null;
    }
    if (probs != null) {
      pool.release(probs);
      probs = null;
    }
  }
}
