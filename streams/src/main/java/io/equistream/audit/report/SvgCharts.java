package io.equistream.audit.report;

import io.equistream.audit.report.ChartData.BarSeries;
import io.equistream.audit.report.ChartData.Bin;
import io.equistream.audit.report.ChartData.LineSeries;
import io.equistream.audit.report.ChartData.Marker;
import io.equistream.audit.report.ChartData.Point;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Inline SVG charts (grouped bars, time lines, histogram) as strings: each an
 * {@code <svg class="chart">} with a title, axis labels, a legend and a {@code <title>} per bar or
 * point that browsers show on hover. All text is HTML-escaped.
 */
final class SvgCharts {
  static final int HEIGHT = 340;
  private static final int LEFT = 76;
  private static final int RIGHT = 20;
  private static final int TOP = 56;
  private static final int BOTTOM = 56;
  private static final int MAX_LABEL_CHARS = 22;
  private static final int VALUE_LABEL_MAX_BARS = 16;
  private static final double VALUE_CHAR_WIDTH = 5.6;
  private static final double CHAR_WIDTH = 6.6;
  private static final double MARKER_MERGE_PX = 6;
  private static final int LEGEND_ROW = 18;

  private SvgCharts() {}

  /** Bars per category, one per series side by side. */
  static String groupedBars(String title, String xLabel, String yLabel, List<String> categories,
      List<BarSeries> series) {
    int n = Math.max(1, categories.size());
    int s = Math.max(1, series.size());
    double slot = Math.max(110, s * 40 + 30);
    int width = (int) Math.max(600, Math.min(1120, LEFT + RIGHT + n * slot));
    double plotWidth = width - LEFT - RIGHT;
    double groupWidth = plotWidth / n;
    int longest = categories.stream().mapToInt(c -> Math.min(MAX_LABEL_CHARS, c.length())).max().orElse(1);
    boolean rotate = longest * CHAR_WIDTH > groupWidth - 4;
    int bottom = rotate ? BOTTOM + (int) (longest * CHAR_WIDTH * 0.6) : BOTTOM;
    int height = HEIGHT + bottom - BOTTOM;
    double plotBottom = height - bottom;
    double plotHeight = plotBottom - TOP;
    List<Double> all = new ArrayList<>();
    series.forEach(x -> all.addAll(x.values()));
    AxisScale y = AxisScale.including(all);

    StringBuilder svg = open(width, height, title, series.stream().map(BarSeries::name).toList(),
        series.stream().map(BarSeries::color).toList());
    yAxis(svg, y, plotBottom, plotHeight, width, yLabel);
    double barWidth = Math.min(34, groupWidth * 0.8 / s);
    boolean labelValues = categories.size() * series.size() <= VALUE_LABEL_MAX_BARS && barWidth >= 30;
    for (int c = 0; c < categories.size(); c++) {
      double groupLeft = LEFT + c * groupWidth + (groupWidth - barWidth * s) / 2;
      for (int k = 0; k < series.size(); k++) {
        BarSeries bars = series.get(k);
        double v = c < bars.values().size() ? bars.values().get(c) : Double.NaN;
        double x = groupLeft + k * barWidth;
        String tip = categories.get(c) + " \u00b7 " + bars.name() + ": "
            + (Double.isFinite(v) ? Numbers.value(v) : "not measured");
        if (Double.isFinite(v)) {
          double y0 = plotBottom - y.fraction(Math.max(y.min(), Math.min(0, y.max()))) * plotHeight;
          double y1 = plotBottom - y.fraction(v) * plotHeight;
          double top = Math.min(y0, y1);
          double h = Math.max(Math.abs(y0 - y1), v == 0 ? 0 : 1);
          svg.append(String.format(Locale.ROOT,
              "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>",
              x + 1, top - (v > 0 && Math.abs(y0 - y1) < 1 ? 1 - Math.abs(y0 - y1) : 0), barWidth - 2, h,
              bars.color(), Html.escape(tip)));
          if (labelValues && Numbers.value(v).length() * VALUE_CHAR_WIDTH <= barWidth) {
            svg.append(String.format(Locale.ROOT,
                "<text class=\"value-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
                x + barWidth / 2, top - 4, Html.escape(Numbers.value(v))));
          }
        } else {
          svg.append(String.format(Locale.ROOT,
              "<text class=\"na\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">n/a<title>%s</title></text>",
              x + barWidth / 2, plotBottom - 4, Html.escape(tip)));
        }
      }
      categoryLabel(svg, categories.get(c), LEFT + (c + 0.5) * groupWidth, plotBottom, rotate);
    }
    xAxisLine(svg, plotBottom, width);
    axisLabel(svg, xLabel, LEFT + plotWidth / 2, height - 10, false);
    return close(svg);
  }

  /** Lines over time (x = epoch millis), a dot with a hover title per point. */
  static String timeLines(String title, String yLabel, List<LineSeries> series) {
    int width = 860;
    int height = HEIGHT;
    double plotBottom = height - BOTTOM;
    double plotHeight = plotBottom - TOP;
    double plotWidth = width - LEFT - RIGHT;
    long minX = Long.MAX_VALUE;
    long maxX = Long.MIN_VALUE;
    List<Double> all = new ArrayList<>();
    for (LineSeries line : series) {
      for (Point p : line.points()) {
        minX = Math.min(minX, p.x());
        maxX = Math.max(maxX, p.x());
        all.add(p.y());
      }
    }
    if (minX == Long.MAX_VALUE) {
      minX = 0;
      maxX = 1;
    }
    if (maxX - minX < 1000) { // a single bucket: give it some room
      minX -= 30_000;
      maxX += 30_000;
    }
    long x0 = minX;
    double xSpan = maxX - minX;
    AxisScale y = AxisScale.including(all);

    StringBuilder svg = open(width, height, title, series.stream().map(LineSeries::name).toList(),
        series.stream().map(LineSeries::color).toList());
    yAxis(svg, y, plotBottom, plotHeight, width, yLabel);
    TimeAxis axis = timeTicks(svg, minX, maxX, plotBottom, plotWidth);
    for (LineSeries line : series) {
      StringBuilder path = new StringBuilder();
      StringBuilder dots = new StringBuilder();
      for (Point p : line.points()) {
        if (!Double.isFinite(p.y())) {
          continue;
        }
        double px = LEFT + (p.x() - x0) / xSpan * plotWidth;
        double py = plotBottom - y.fraction(p.y()) * plotHeight;
        path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", px, py));
        String tip = line.name() + " \u00b7 " + Numbers.time(Instant.ofEpochMilli(p.x())) + ": " + Numbers.value(p.y());
        dots.append(String.format(Locale.ROOT,
            "<circle class=\"point\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"><title>%s</title></circle>",
            px, py, line.color(), Html.escape(tip)));
      }
      if (path.length() > 0) {
        svg.append("<path class=\"line\" fill=\"none\" stroke-width=\"2\" stroke=\"").append(line.color())
            .append("\" d=\"").append(path).append("\"/>");
      }
      svg.append(dots);
    }
    xAxisLine(svg, plotBottom, width);
    axisLabel(svg, "time (UTC" + (axis.withinOneDay() ? ", "
        + Numbers.time(Instant.ofEpochMilli(x0)).substring(0, 10) : "") + ")", LEFT + plotWidth / 2, height - 10, false);
    return close(svg);
  }

  /** The time axis's ticks and their labels, from x = minX at LEFT to maxX at LEFT + plotWidth. */
  private static TimeAxis timeTicks(StringBuilder svg, long minX, long maxX, double plotBottom, double plotWidth) {
    TimeAxis axis = TimeAxis.covering(minX, maxX);
    for (long t : axis.ticks()) {
      double px = LEFT + (t - minX) / (double) (maxX - minX) * plotWidth;
      svg.append(String.format(Locale.ROOT,
          "<line class=\"tick\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", px, plotBottom, px, plotBottom + 5));
      String anchor = px - LEFT < 30 ? "start" : LEFT + plotWidth - px < 30 ? "end" : "middle";
      svg.append(String.format(Locale.ROOT, "<text class=\"tick-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>",
          px, plotBottom + 18, anchor, Html.escape(axis.label(t))));
    }
    return axis;
  }

  /** Adjacent bars per bin, with optional labelled vertical markers. */
  static String histogram(String title, String xLabel, String yLabel, List<Bin> bins, List<Marker> markers) {
    int width = 860;
    int height = HEIGHT;
    double plotBottom = height - BOTTOM;
    double plotHeight = plotBottom - TOP;
    double plotWidth = width - LEFT - RIGHT;
    double lo = bins.isEmpty() ? 0 : bins.get(0).lo();
    double hi = bins.isEmpty() ? 1 : bins.get(bins.size() - 1).hi();
    double span = hi - lo;
    AxisScale y = AxisScale.including(bins.stream().map(b -> (double) b.count()).toList());
    if (y.step() < 1) {
      y = new AxisScale(0, Math.max(1, Math.ceil(y.max())), 1);
    }
    List<String> names = new ArrayList<>(List.of("requests"));
    List<String> colors = new ArrayList<>(List.of("#7570b3"));
    markers.forEach(m -> {
      names.add(m.label());
      colors.add(m.color());
    });
    StringBuilder svg = open(width, height, title, names, colors);
    yAxis(svg, y, plotBottom, plotHeight, width, yLabel);
    for (Bin b : bins) {
      double x = LEFT + (b.lo() - lo) / span * plotWidth;
      double w = (b.hi() - b.lo()) / span * plotWidth;
      double h = y.fraction(b.count()) * plotHeight;
      String tip = Numbers.tick(b.lo(), 1) + " \u2013 " + Numbers.tick(b.hi(), 1) + " " + xLabel + ": "
          + b.count() + (b.count() == 1 ? " request" : " requests");
      svg.append(String.format(Locale.ROOT,
          "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#7570b3\"><title>%s</title></rect>",
          x + 0.5, plotBottom - h, Math.max(0.5, w - 1), h, Html.escape(tip)));
    }
    int labelEvery = Math.max(1, (int) Math.ceil(bins.size() / 10.0));
    for (int i = 0; i <= bins.size(); i++) {
      if (i % labelEvery != 0 && i != bins.size()) {
        continue;
      }
      double v = i < bins.size() ? bins.get(i).lo() : hi;
      double px = LEFT + (v - lo) / span * plotWidth;
      svg.append(String.format(Locale.ROOT,
          "<text class=\"tick-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
          px, plotBottom + 18, Html.escape(Numbers.tick(v, 1))));
    }
    markers(svg, markers, m -> LEFT + (m.x() - lo) / span * plotWidth, plotBottom, width, xLabel);
    xAxisLine(svg, plotBottom, width);
    axisLabel(svg, xLabel, LEFT + plotWidth / 2, height - 10, false);
    return close(svg);
  }

  /**
   * Vertical marker lines: markers closer than MARKER_MERGE_PX share one line (at the first one) and one
   * label naming each value, so lines never overlap; each label has a row of its own and turns left near
   * the right edge.
   */
  private static void markers(StringBuilder svg, List<Marker> markers, java.util.function.ToDoubleFunction<Marker> px,
      double plotBottom, int width, String unit) {
    List<List<Marker>> clusters = new ArrayList<>();
    for (Marker m : markers.stream().filter(m -> Double.isFinite(m.x()))
        .sorted(java.util.Comparator.comparingDouble(Marker::x)).toList()) {
      List<Marker> last = clusters.isEmpty() ? null : clusters.get(clusters.size() - 1);
      if (last != null && px.applyAsDouble(m) - px.applyAsDouble(last.get(0)) < MARKER_MERGE_PX) {
        last.add(m);
      } else {
        clusters.add(new ArrayList<>(List.of(m)));
      }
    }
    for (int i = 0; i < clusters.size(); i++) {
      List<Marker> cluster = clusters.get(i);
      double x = px.applyAsDouble(cluster.get(0));
      boolean same = cluster.stream().allMatch(m -> m.x() == cluster.get(0).x());
      String label = same
          ? String.join(" = ", cluster.stream().map(Marker::label).toList()) + " " + Numbers.value(cluster.get(0).x())
              + " " + unit
          : String.join(", ", cluster.stream().map(m -> m.label() + " " + Numbers.value(m.x())).toList()) + " " + unit;
      String color = cluster.get(cluster.size() - 1).color();
      svg.append(String.format(Locale.ROOT,
          "<line class=\"marker\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"><title>%s</title></line>",
          x, (double) TOP, x, plotBottom, color, Html.escape(label)));
      boolean left = x + 3 + label.length() * CHAR_WIDTH > width - RIGHT;
      svg.append(String.format(Locale.ROOT,
          "<text class=\"marker-label\" x=\"%.1f\" y=\"%.1f\" style=\"fill: %s\">%s</text>",
          left ? x - 6 - label.length() * CHAR_WIDTH : x + 3, TOP + 12.0 + 14 * i, color, Html.escape(label)));
    }
  }

  // ---- shared pieces ----

  private static StringBuilder open(int width, int height, String title) {
    StringBuilder svg = new StringBuilder(4096);
    svg.append(String.format(Locale.ROOT,
        "<svg class=\"chart\" role=\"img\" aria-label=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">",
        Html.escape(title), width, height, width, height));
    svg.append("<title>").append(Html.escape(title)).append("</title>");
    svg.append("<text class=\"chart-title\" x=\"").append(LEFT).append("\" y=\"18\">")
        .append(Html.escape(title)).append("</text>");
    return svg;
  }

  /**
   * Opens a chart with a legend: title, legend entries wrapped into rows that fit the width, then a
   * group holding the plot, shifted down by the legend's extra rows (so plot coordinates stay fixed).
   */
  static StringBuilder open(int width, int height, String title, List<String> names, List<String> colors) {
    int extra = (legend(null, names, colors, width) - 1) * LEGEND_ROW;
    StringBuilder svg = open(width, height + extra, title);
    legend(svg, names, colors, width);
    return svg.append("<g class=\"plot\" transform=\"translate(0 ").append(extra).append(")\">");
  }

  static String close(StringBuilder svg) {
    if (svg.indexOf("<g class=\"plot\"") >= 0) {
      svg.append("</g>");
    }
    return svg.append("</svg>").toString();
  }

  /** Draws the legend into {@code svg} (when not null); returns the rows it takes. */
  private static int legend(StringBuilder svg, List<String> names, List<String> colors, int width) {
    double x = LEFT;
    double y = 36;
    int rows = 1;
    if (svg != null) {
      svg.append("<g class=\"legend\">");
    }
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      double entry = 16 + name.length() * CHAR_WIDTH + 18;
      if (x > LEFT && x + entry - 18 > width - RIGHT) {
        x = LEFT;
        y += LEGEND_ROW;
        rows++;
      }
      if (svg != null) {
        svg.append(String.format(Locale.ROOT,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%.1f\" y=\"%.1f\">%s</text>",
            x, y - 10, colors.get(i), x + 16, y, Html.escape(name)));
      }
      x += entry;
    }
    if (svg != null) {
      svg.append("</g>");
    }
    return rows;
  }

  private static void yAxis(StringBuilder svg, AxisScale y, double plotBottom, double plotHeight, int width,
      String label) {
    for (double t : y.ticks()) {
      double py = plotBottom - y.fraction(t) * plotHeight;
      svg.append(String.format(Locale.ROOT,
          "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", LEFT, py, width - RIGHT, py));
      svg.append(String.format(Locale.ROOT,
          "<text class=\"tick-label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>",
          LEFT - 6, py + 4, Html.escape(Numbers.tick(t, y.step()))));
    }
    svg.append(String.format(Locale.ROOT,
        "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\"/>", LEFT, TOP, LEFT, plotBottom));
    axisLabel(svg, label, 16, TOP + plotHeight / 2, true);
  }

  private static void xAxisLine(StringBuilder svg, double plotBottom, int width) {
    svg.append(String.format(Locale.ROOT,
        "<line class=\"axis\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", LEFT, plotBottom, width - RIGHT, plotBottom));
  }

  static void axisLabel(StringBuilder svg, String label, double x, double y, boolean vertical) {
    svg.append(String.format(Locale.ROOT, "<text class=\"axis-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\"%s>%s</text>",
        x, y, vertical ? String.format(Locale.ROOT, " transform=\"rotate(-90 %.1f %.1f)\"", x, y) : "",
        Html.escape(label)));
  }

  private static void categoryLabel(StringBuilder svg, String category, double x, double plotBottom, boolean rotate) {
    String shown = category.length() > MAX_LABEL_CHARS
        ? category.substring(0, MAX_LABEL_CHARS - 1) + "\u2026" : category;
    if (rotate) {
      svg.append(String.format(Locale.ROOT,
          "<text class=\"tick-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" transform=\"rotate(-35 %.1f %.1f)\">%s<title>%s</title></text>",
          x, plotBottom + 14, x, plotBottom + 14, Html.escape(shown), Html.escape(category)));
    } else {
      svg.append(String.format(Locale.ROOT,
          "<text class=\"tick-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s<title>%s</title></text>",
          x, plotBottom + 18, Html.escape(shown), Html.escape(category)));
    }
  }
}
