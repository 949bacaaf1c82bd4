package io.equistream.stream.observe;

import io.micrometer.core.instrument.Clock;

/**
 * Events per second over the last {@code seconds} seconds (one-second buckets, the current partial
 * second included), for a tokens/s gauge that needs no PromQL {@code rate()}.
 */
final class RateWindow {
  private final Clock clock;
  private final int seconds;
  private final long[] counts;
  private final long[] stamps;

  RateWindow(Clock clock, int seconds) {
    if (seconds < 1) {
      throw new IllegalArgumentException("window must be at least 1 second");
    }
    this.clock = clock;
    this.seconds = seconds;
    this.counts = new long[seconds];
    this.stamps = new long[seconds];
    java.util.Arrays.fill(stamps, Long.MIN_VALUE);
  }

  int seconds() {
    return seconds;
  }

  synchronized void add(long amount) {
    long second = nowSecond();
    int slot = (int) Math.floorMod(second, (long) seconds);
    if (stamps[slot] != second) {
      stamps[slot] = second;
      counts[slot] = 0;
    }
    counts[slot] += amount;
  }

  synchronized double perSecond() {
    long second = nowSecond();
    long sum = 0;
    for (int i = 0; i < seconds; i++) {
      if (stamps[i] != Long.MIN_VALUE && second - stamps[i] < seconds) {
        sum += counts[i];
      }
    }
    return sum / (double) seconds;
  }

  private long nowSecond() {
    return Math.floorDiv(clock.monotonicTime(), 1_000_000_000L);
  }
}
