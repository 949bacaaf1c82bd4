package io.equistream.decode;

import io.equistream.lm.ModelShape;

/**
 * Admission by native memory. A request holds, per row, a KV cache of (prompt + max new tokens) x
 * layers x 2 x hidden x 4 bytes, three times (when a batch's rows change, the old batch, the
 * gathered past and the new present coexist during a call; twice undercounted that, and a mixed
 * 8-600-token workload on 124M ran past the direct-memory limit), plus its row of
 * logits (vocab x 4 bytes). A fixed scratch is set aside first: one prefill call's logits on graphs
 * that output every position, and the activations of the largest prefill call (an idle
 * iteration's, EngineSettings.idlePrefillTokens). A request whose worst case
 * (every variant its own row) exceeds the budget on its own can never run. (Java-side arrays, one
 * or two vocabulary-sized arrays per row, live on the heap that -Xmx bounds.) Rows of very
 * different lengths run in separate calls (OnnxCausalLm.PADDING_SLACK), so left padding adds at most
 * a quarter plus 32 tokens per row to what is reserved here; the default budget (3/4 of the
 * direct-memory limit) leaves that room.
 */
final class MemoryBudget {
  /** Copies of a row's KV cache that can be alive at once: old batch, gathered past, new present. */
  static final int KV_COPIES = 3;
  private final long budgetBytes;
  private final long scratchBytes;
  private final long kvBytesPerToken;
  private final long rowStepBytes;
  private final int maxPositions;
  private long reserved;

  MemoryBudget(long budgetBytes, ModelShape shape, int maxPositions, int prefillTokens, long maxLogitsBytes) {
    this.budgetBytes = budgetBytes;
    this.kvBytesPerToken = shape.kvBytesPerToken();
    this.rowStepBytes = (long) shape.vocabSize() * Float.BYTES;
    this.maxPositions = maxPositions;
    long hidden = (long) shape.heads() * shape.headDim();
    long activations = (long) prefillTokens * (hidden * 16 + (long) shape.heads() * maxPositions) * Float.BYTES;
    long chunkLogits = Math.min(maxLogitsBytes, (long) prefillTokens * shape.vocabSize() * Float.BYTES);
    this.scratchBytes = (shape.lastPositionLogits() ? 0 : chunkLogits) + activations;
  }

  long budgetBytes() {
    return budgetBytes;
  }

  long reservedBytes() {
    return reserved + scratchBytes;
  }

  /** Bytes a request needs with {@code rows} rows. */
  long bytesFor(FairRequest request, int rows) {
    long tokens = Math.min(maxPositions, (long) request.promptIds().length + request.params().maxNewTokens());
    return rows * (tokens * kvBytesPerToken * KV_COPIES + rowStepBytes);
  }

  /** Null when the request can run on its own in the worst case, else why not. */
  String neverFits(FairRequest request, int worstCaseRows) {
    long need = bytesFor(request, worstCaseRows);
    if (need + scratchBytes <= budgetBytes) {
      return null;
    }
    return String.format("request needs %d MiB of KV cache and step buffers (%d rows x %d tokens); the engine's"
        + " memory budget is %d MiB (equistream.engine.memory.bytes)", need >> 20, worstCaseRows,
        Math.min(maxPositions, request.promptIds().length + request.params().maxNewTokens()), budgetBytes >> 20);
  }

  boolean fits(long bytes) {
    return reserved + scratchBytes + bytes <= budgetBytes;
  }

  void reserve(long bytes) {
    reserved += bytes;
  }

  void free(long bytes) {
    reserved -= bytes;
  }
}
