package io.equistream.audit.report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Ticks of a time axis: a round step (100 ms ... 1 year) with at most {@link #MAX_TICKS} ticks at its
 * multiples since the epoch (UTC), each labelled with just enough precision that no two labels are
 * the same (milliseconds below a 1 s step, the date once the axis spans more than a day).
 */
record TimeAxis(long step, List<Long> ticks, DateTimeFormatter format, boolean withinOneDay) {
  static final int MAX_TICKS = 7;
  private static final long SECOND = 1000;
  private static final long MINUTE = 60 * SECOND;
  private static final long HOUR = 60 * MINUTE;
  private static final long DAY = 24 * HOUR;
  private static final long[] STEPS = {100, 200, 500, SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND,
      30 * SECOND, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR,
      6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 90 * DAY, 180 * DAY, 365 * DAY};

  static TimeAxis covering(long from, long to) {
    long span = Math.max(1, to - from);
    long step = STEPS[STEPS.length - 1];
    for (long candidate : STEPS) {
      if (span / candidate + 1 <= MAX_TICKS) {
        step = candidate;
        break;
      }
    }
    List<Long> ticks = new ArrayList<>();
    for (long t = Math.floorDiv(from + step - 1, step) * step; t <= to; t += step) {
      ticks.add(t);
    }
    boolean withinOneDay = span < DAY;
    String pattern = step < SECOND ? "HH:mm:ss.SSS" : step < MINUTE ? "HH:mm:ss"
        : step < DAY ? (withinOneDay ? "HH:mm" : "MM-dd HH:mm") : "yyyy-MM-dd";
    return new TimeAxis(step, List.copyOf(ticks), DateTimeFormatter.ofPattern(pattern, Locale.ROOT)
        .withZone(ZoneOffset.UTC), withinOneDay);
  }

  String label(long t) {
    return format.format(Instant.ofEpochMilli(t));
  }
}
