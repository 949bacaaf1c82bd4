package io.equistream.lm;

import java.nio.FloatBuffer;

/**
 * The key/value cache that one model call produced for its rows: per layer, keys and values laid out
 * [rows, heads, total, headDim] in pooled native buffers (ORT wrote them in place as pinned outputs).
 * Row r holds its real positions contiguously in columns [pad[r], total): every call runs rows
 * whose new tokens follow their cached ones without a gap (see OnnxCausalLm). Immutable once
 * written, so forked sequences share a row; freed back to the pool when the last sequence that
 * points at it moves on.
 */
final class PackedBatch {
  final int rows;
  final int total;
  private final int[] pad;
  private final ModelShape shape;
  private final NativeBuffers pool;
  private final NativeBuffers.Block[] keys;
  private final NativeBuffers.Block[] values;
  private int references;

  PackedBatch(int rows, int total, int[] pad, ModelShape shape, NativeBuffers pool, NativeBuffers.Block[] keys,
      NativeBuffers.Block[] values) {
    this.rows = rows;
    this.total = total;
    this.pad = pad;
    this.shape = shape;
    this.pool = pool;
    this.keys = keys;
    this.values = values;
  }

  FloatBuffer keys(int layer) {
    return keys[layer].floats();
  }

  FloatBuffer values(int layer) {
    return values[layer].floats();
  }

  int pad(int row) {
    return pad[row];
  }

  void retain() {
    references++;
  }

  void release() {
    if (--references == 0) {
      for (int layer = 0; layer < keys.length; layer++) {
        pool.release(keys[layer]);
        pool.release(values[layer]);
      }
    }
  }

  /**
   * Copies the first {@code count} cached positions of {@code row} into row {@code targetRow} of a
   * [rows, heads, targetTotal, headDim] tensor, at columns [targetPad, targetPad + count).
   */
  void copyRow(int row, int count, boolean key, int layer, FloatBuffer target, int targetRow, int targetTotal,
      int targetPad) {
    FloatBuffer source = key ? keys(layer) : values(layer);
    int heads = shape.heads();
    int headDim = shape.headDim();
    for (int h = 0; h < heads; h++) {
      // Indices stay below 2^28: one tensor is at most NativeBuffers.MAX_TENSOR_BYTES.
      int from = (int) ((((long) row * heads + h) * total + pad[row]) * headDim);
      int to = (int) ((((long) targetRow * heads + h) * targetTotal + targetPad) * headDim);
      target.put(to, source, from, count * headDim);
    }
  }
}
