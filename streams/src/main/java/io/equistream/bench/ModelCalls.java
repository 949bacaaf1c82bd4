package io.equistream.bench;

import io.equistream.decode.StepListener;
import io.equistream.stream.ServiceListener;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts an engine's model calls (as its step listener, or the service's): how many, how many rows
 * and how long, so that two runs of the same requests can be compared call for call.
 */
final class ModelCalls implements StepListener, ServiceListener {
  /** Calls, rows and model seconds between two snapshots. */
  record Count(long calls, long rows, double modelSeconds) {
    Count minus(Count earlier) {
      return new Count(calls - earlier.calls, rows - earlier.rows, modelSeconds - earlier.modelSeconds);
    }

    double rowsPerCall() {
      return calls == 0 ? 0 : (double) rows / calls;
    }
  }

  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong rows = new AtomicLong();
  private final AtomicLong nanos = new AtomicLong();

  @Override
  public void afterStep(int requests, int rowCount, long callNanos) {
    stepDone(rowCount, callNanos);
  }

  @Override
  public void stepDone(int rowCount, long callNanos) {
    calls.incrementAndGet();
    rows.addAndGet(rowCount);
    nanos.addAndGet(callNanos);
  }

  Count now() {
    return new Count(calls.get(), rows.get(), nanos.get() / 1e9);
  }
}
