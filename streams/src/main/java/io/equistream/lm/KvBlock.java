package io.equistream.lm;

/**
 * One sequence's key/value cache, compact (no padding): for each layer, keys and values laid out
 * [heads][length][headDim]. Immutable once built, so forked sequences can share it.
 */
final class KvBlock {
  final int length;
  final float[][] keys;
  final float[][] values;

  KvBlock(int length, float[][] keys, float[][] values) {
    this.length = length;
    this.keys = keys;
    this.values = values;
  }

  long bytes() {
    long total = 0;
    for (int layer = 0; layer < keys.length; layer++) {
      total += 4L * (keys[layer].length + values[layer].length);
    }
    return total;
  }
}
