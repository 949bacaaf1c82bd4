package io.equistream.lm;

import java.util.Arrays;

/**
 * One token sequence the model runs, with the key/value cache of its first {@link #computed()}
 * tokens, which lives in a row of the packed batch of the last call that ran it. {@link #fork()}
 * shares that row copy-on-write. Call {@link #release()} when the sequence is done with, so its
 * cache goes back to the pool.
 */
public final class LmSequence {
  private int[] tokens;
  private int size;
  int computed;
  PackedBatch batch;
  int batchRow = -1;

  public LmSequence(int[] prompt) {
    this.tokens = Arrays.copyOf(prompt, Math.max(16, prompt.length + 16));
    this.size = prompt.length;
  }

  private LmSequence(LmSequence parent) {
    this.tokens = Arrays.copyOf(parent.tokens, parent.tokens.length);
    this.size = parent.size;
    this.computed = parent.computed;
    this.batch = parent.batch;
    this.batchRow = parent.batchRow;
    if (batch != null) {
      batch.retain();
    }
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

  /** Tokens not yet run through the model. */
  public int pending() {
    return size - computed;
  }

  /** Forgets the cache (the next step recomputes the whole sequence) and gives its memory back. */
  public void release() {
    detach();
    computed = 0;
  }

  /** Stops pointing at the packed row (its copy was taken); the cached count stays. */
  void detach() {
    if (batch != null) {
      batch.release();
      batch = null;
      batchRow = -1;
    }
  }

  /** The last call computed {@code newlyComputed} more tokens; the cache is row {@code row} of {@code next}. */
  void attach(PackedBatch next, int row, int newlyComputed) {
    detach();
    next.retain();
    batch = next;
    batchRow = row;
    computed += newlyComputed;
  }
}
