package io.equistream.audit.report;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How numbers and times are written in the report (locale-independent, UTC). */
final class Numbers {
  static final String NOT_MEASURED = "n/a";
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private Numbers() {}

  /** A measured value: 4 decimals for ordinary magnitudes, scientific below 0.001, n/a when not finite. */
  static String value(double v) {
    if (!Double.isFinite(v)) {
      return NOT_MEASURED;
    }
    double abs = Math.abs(v);
    if (v == 0) {
      return "0";
    }
    if (abs >= 1000 || (abs >= 1 && v == Math.rint(v))) {
      return String.format(Locale.ROOT, "%,.0f", v);
    }
    if (abs >= 100) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (abs >= 0.001) {
      return String.format(Locale.ROOT, "%.4f", v);
    }
    return String.format(Locale.ROOT, "%.2e", v);
  }

  /** A nullable (Avro) value: null = not measured. */
  static String value(Double v) {
    return v == null ? NOT_MEASURED : value(v.doubleValue());
  }

  /** A ratio as a percentage with one decimal. */
  static String percent(double ratio) {
    return Double.isFinite(ratio) ? String.format(Locale.ROOT, "%.1f%%", ratio * 100) : NOT_MEASURED;
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  static String time(Instant t) {
    return TIME.format(t);
  }

  /** An axis tick label, with as many decimals as the tick step needs. */
  static String tick(double v, double step) {
    if (v == 0) {
      return "0";
    }
    if (step < 0.001 || Math.abs(v) >= 1e6) {
      return String.format(Locale.ROOT, "%.1e", v);
    }
    int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
    return String.format(Locale.ROOT, "%." + decimals + "f", v);
  }
}
