package io.equistream.lm;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * The key/value cache of the last batch the model ran, left in ONNX Runtime's output tensors so the
 * next step can feed them straight back (no copy) when the batch keeps the same rows.
 * Layout per layer: [rows, heads, totalLength, headDim]; {@link #mask} marks real positions.
 */
final class PackedBatch implements AutoCloseable {
  final OrtSession.Result result;
  final List<LmSequence> rows;
  final long[][] mask;
  final int totalLength;
  private final ModelShape shape;
  private FloatBuffer[] keyCopies;
  private FloatBuffer[] valueCopies;
  private boolean closed;

  PackedBatch(OrtSession.Result result, List<LmSequence> rows, long[][] mask, ModelShape shape) {
    this.result = result;
    this.rows = List.copyOf(rows);
    this.mask = mask;
    this.totalLength = mask.length == 0 ? 0 : mask[0].length;
    this.shape = shape;
  }

  OnnxTensor presentKey(int layer) {
    return (OnnxTensor) result.get(ModelShape.presentKey(layer)).orElseThrow();
  }

  OnnxTensor presentValue(int layer) {
    return (OnnxTensor) result.get(ModelShape.presentValue(layer)).orElseThrow();
  }

  boolean isClosed() {
    return closed;
  }

  /** Copies one row's real (unmasked) positions into a compact block. */
  KvBlock extract(int row, int expectedLength) {
    if (keyCopies == null) {
      keyCopies = new FloatBuffer[shape.layers()];
      valueCopies = new FloatBuffer[shape.layers()];
    }
    int heads = shape.heads();
    int headDim = shape.headDim();
    int[] realPositions = new int[expectedLength];
    int found = 0;
    for (int t = 0; t < totalLength && found < expectedLength; t++) {
      if (mask[row][t] != 0) {
        realPositions[found++] = t;
      }
    }
    if (found != expectedLength) {
      throw new IllegalStateException("packed row " + row + " holds " + found + " tokens, expected " + expectedLength);
    }
    float[][] keys = new float[shape.layers()][];
    float[][] values = new float[shape.layers()][];
    for (int layer = 0; layer < shape.layers(); layer++) {
      if (keyCopies[layer] == null) {
        // One bulk copy per layer serves every row extracted from this batch.
        keyCopies[layer] = presentKey(layer).getFloatBuffer();
        valueCopies[layer] = presentValue(layer).getFloatBuffer();
      }
      keys[layer] = gatherRow(keyCopies[layer], row, realPositions, heads, headDim);
      values[layer] = gatherRow(valueCopies[layer], row, realPositions, heads, headDim);
    }
    return new KvBlock(expectedLength, keys, values);
  }

  private float[] gatherRow(FloatBuffer source, int row, int[] positions, int heads, int headDim) {
    float[] out = new float[heads * positions.length * headDim];
    for (int h = 0; h < heads; h++) {
      long headBase = ((long) row * heads + h) * totalLength;
      for (int i = 0; i < positions.length; i++) {
        source.get((int) ((headBase + positions[i]) * headDim), out, (h * positions.length + i) * headDim, headDim);
      }
    }
    return out;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      keyCopies = null;
      valueCopies = null;
      result.close();
    }
  }
}
