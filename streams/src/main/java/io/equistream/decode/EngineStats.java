package io.equistream.decode;

import java.util.concurrent.atomic.AtomicLong;

/** What the engine is doing, updated every iteration and readable from any thread (metrics). */
public final class EngineStats {
  private volatile int running;
  private volatile int waiting;
  private volatile long budgetBytes;
  private volatile long reservedBytes;
  private volatile long nativeBytes;
  private volatile long peakNativeBytes;
  private final AtomicLong preemptions = new AtomicLong();

  void update(int runningRequests, int waitingRequests, MemoryBudget budget, long liveNativeBytes,
      long mostNativeBytes) {
    running = runningRequests;
    waiting = waitingRequests;
    budgetBytes = budget.budgetBytes();
    reservedBytes = budget.reservedBytes();
    nativeBytes = liveNativeBytes;
    peakNativeBytes = mostNativeBytes;
  }

  void preempted() {
    preemptions.incrementAndGet();
  }

  /** Requests in the running batch. */
  public int running() {
    return running;
  }

  /** Requests submitted and not yet admitted. */
  public int waiting() {
    return waiting;
  }

  /** equistream.engine.memory.bytes. */
  public long budgetBytes() {
    return budgetBytes;
  }

  /** What admitted requests reserved of the budget (with the fixed scratch). */
  public long reservedBytes() {
    return reservedBytes;
  }

  /** Native buffers (KV caches, logits) held right now. */
  public long nativeBytes() {
    return nativeBytes;
  }

  /** The most native buffer bytes held at once since the engine started (seen at the last iteration). */
  public long peakNativeBytes() {
    return peakNativeBytes;
  }

  /** Running requests sent back to the queue because forks outgrew the budget. */
  public long preemptions() {
    return preemptions.get();
  }
}
