package io.equistream.stream.observe;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * Stream-thread replacements within a sliding window, from Kafka Streams' cumulative
 * {@code failed-stream-threads} metric sampled at every probe and scrape. A sample is kept when the
 * count changed, stamped with when it was first seen; replacements in the window = the count now
 * minus the count of the newest sample at or before the window's start (or of the first sample).
 * A failure counts from when it was seen, so it may stay in the window up to one sampling interval
 * too long: the count errs high, never low.
 */
final class CrashLoopWatch {
  private final CrashLoopLimit limit;
  private final LongSupplier failedThreads;
  private final LongSupplier clockMillis;
  private final ArrayDeque<long[]> samples = new ArrayDeque<>(); // {millis, cumulative failures}

  CrashLoopWatch(CrashLoopLimit limit, LongSupplier failedThreads, LongSupplier clockMillis) {
    this.limit = limit;
    this.failedThreads = failedThreads;
    this.clockMillis = clockMillis;
    sample();
  }

  /** Replacements within the window, after taking a sample. */
  synchronized long recentReplacements() {
    long now = sample();
    long windowStart = now - limit.window().toMillis();
    while (samples.size() > 1 && secondOldest()[0] <= windowStart) {
      samples.removeFirst(); // the baseline is the newest sample at or before the window start
    }
    return Math.max(0, samples.getLast()[1] - samples.getFirst()[1]);
  }

  boolean crashLooping() {
    return recentReplacements() > limit.maxReplacements();
  }

  CrashLoopLimit limit() {
    return limit;
  }

  private long sample() {
    long now = clockMillis.getAsLong();
    long count = failedThreads.getAsLong();
    if (samples.isEmpty() || samples.getLast()[1] != count) {
      samples.addLast(new long[] {now, count}); // one sample per change: memory bounded by the failures
    }
    return now;
  }

  private long[] secondOldest() {
    var it = samples.iterator();
    it.next();
    return it.next();
  }
}
