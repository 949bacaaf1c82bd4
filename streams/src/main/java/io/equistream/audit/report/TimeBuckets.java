package io.equistream.audit.report;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Fixed-width time buckets covering [first, last], aligned to multiples of the width since the epoch.
 * The width is the smallest "round" duration that yields at most {@link #MAX_BUCKETS} buckets.
 */
record TimeBuckets(long startMillis, long widthMillis, int count) {
  static final int MAX_BUCKETS = 60;
  private static final List<Duration> WIDTHS = List.of(
      Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(15),
      Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5),
      Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1),
      Duration.ofHours(3), Duration.ofHours(6), Duration.ofHours(12), Duration.ofDays(1), Duration.ofDays(7),
      Duration.ofDays(30), Duration.ofDays(365));

  static TimeBuckets covering(Instant first, Instant last) {
    long from = first.toEpochMilli();
    long to = last.toEpochMilli();
    for (Duration width : WIDTHS) {
      long w = width.toMillis();
      long start = Math.floorDiv(from, w) * w;
      long n = Math.floorDiv(to - start, w) + 1;
      if (n <= MAX_BUCKETS) {
        return new TimeBuckets(start, w, (int) n);
      }
    }
    long w = Math.max(1, Math.floorDiv(to - from, MAX_BUCKETS - 1) + 1);
    long start = from;
    return new TimeBuckets(start, w, (int) (Math.floorDiv(to - start, w) + 1));
  }

  int indexOf(Instant t) {
    return (int) Math.floorDiv(t.toEpochMilli() - startMillis, widthMillis);
  }

  /** Start of bucket i in epoch millis. */
  long bucketStart(int i) {
    return startMillis + i * widthMillis;
  }

  /** Midpoint of bucket i in epoch millis (where a point for the bucket is plotted). */
  long bucketMiddle(int i) {
    return bucketStart(i) + widthMillis / 2;
  }

  double widthSeconds() {
    return widthMillis / 1000.0;
  }

  String describeWidth() {
    Duration d = Duration.ofMillis(widthMillis);
    if (d.toDaysPart() > 0 && d.toHoursPart() == 0 && d.toMinutesPart() == 0 && d.toSecondsPart() == 0) {
      return d.toDays() + " d";
    }
    if (d.toHours() > 0 && d.toMinutesPart() == 0 && d.toSecondsPart() == 0) {
      return d.toHours() + " h";
    }
    if (d.toMinutes() > 0 && d.toSecondsPart() == 0 && d.toMillisPart() == 0) {
      return d.toMinutes() + " min";
    }
    if (widthMillis % 1000 == 0) {
      return d.toSeconds() + " s";
    }
    return widthMillis + " ms";
  }
}
