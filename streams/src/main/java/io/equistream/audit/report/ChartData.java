package io.equistream.audit.report;

import java.util.List;

/** The values a chart draws. */
final class ChartData {
  private ChartData() {}

  /** One bar per category; NaN draws no bar (not measured). */
  record BarSeries(String name, String color, List<Double> values) {}

  /** x is epoch millis. */
  record Point(long x, double y) {}

  record LineSeries(String name, String color, List<Point> points) {}

  /** Histogram bin [lo, hi). */
  record Bin(double lo, double hi, long count) {}

  /** A labelled vertical line on a histogram, e.g. p95. */
  record Marker(String label, double x, String color) {}

  /** Colors used consistently: base model orange, fair green. */
  static final String BASE_COLOR = "#d95f02";
  static final String FAIR_COLOR = "#1b9e77";
  static final List<String> PALETTE = List.of(
      "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666");

  static String paletteColor(int i) {
    return PALETTE.get(Math.floorMod(i, PALETTE.size()));
  }
}
