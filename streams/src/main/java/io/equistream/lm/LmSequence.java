package io.equistream.lm;

import java.util.Arrays;

/**
 * One token sequence the model runs, with the key/value cache of its first {@link #computed()}
 * tokens. The cache lives either in a compact {@link KvBlock} or in a row of the decoder's packed
 * batch from the previous step; {@link #fork()} shares it copy-on-write.
 */
public final class LmSequence {
  private int[] tokens;
  private int size;
  int computed;
  KvBlock block;
  PackedBatch packed;
  int packedRow = -1;

  public LmSequence(int[] prompt) {
    this.tokens = Arrays.copyOf(prompt, Math.max(16, prompt.length * 2));
    this.size = prompt.length;
  }

  private LmSequence(LmSequence parent) {
    this.tokens = Arrays.copyOf(parent.tokens, parent.tokens.length);
    this.size = parent.size;
    this.computed = parent.computed;
    this.block = parent.block;
    this.packed = parent.packed;
    this.packedRow = parent.packedRow;
  }

  /** A new sequence with the same tokens that shares this one's cache until either grows. */
  public LmSequence fork() {
    return new LmSequence(this);
  }

  public void append(int token) {
    if (size == tokens.length) {
      tokens = Arrays.copyOf(tokens, size * 2);
    }
    tokens[size++] = token;
  }

  public int length() {
    return size;
  }

  public int token(int index) {
    return tokens[index];
  }

  public int[] tokens() {
    return Arrays.copyOf(tokens, size);
  }

  /** Tokens whose keys and values are cached. */
  public int computed() {
    return computed;
  }

  int pending() {
    return size - computed;
  }

  /** Forget the cache (the next step recomputes the whole sequence). */
  void dropCache() {
    computed = 0;
    block = null;
    packed = null;
    packedRow = -1;
  }
}
