package io.equistream.audit.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Horizontal bars grouped by orbit: one shaded band per orbit, one row per word with a base and a
 * fair bar, word labels written level at the left. Legible for groups of dozens of orbits (only the
 * {@link #MAX_ORBITS} with the highest probability are drawn; the table lists all).
 */
final class OrbitChart {
  static final int MAX_ORBITS = 12;
  private static final int WIDTH = 860;
  private static final int LEFT = 150;
  private static final int RIGHT = 24;
  private static final int TOP = 60;
  private static final int BOTTOM = 46;
  private static final int ROW = 22;
  private static final int GAP = 6;
  private static final int BAR = 8;

  /** One word: its label and the two values drawn. */
  record Word(String label, double base, double fair) {}

  /** One orbit: its label (its words) and its words in orbit order. */
  record Orbit(String label, List<Word> words) {
    double largest() {
      return words.stream().mapToDouble(w -> Math.max(finite(w.base()), finite(w.fair()))).max().orElse(0);
    }
  }

  private OrbitChart() {}

  /** Keeps the orbits with the highest value (in their original order), at most MAX_ORBITS. */
  static List<Orbit> largest(List<Orbit> orbits) {
    if (orbits.size() <= MAX_ORBITS) {
      return orbits;
    }
    List<Orbit> ranked = new ArrayList<>(orbits);
    ranked.sort((a, b) -> Double.compare(b.largest(), a.largest()));
    List<Orbit> kept = ranked.subList(0, MAX_ORBITS);
    return orbits.stream().filter(kept::contains).toList();
  }

  static String render(String title, String baseName, String fairName, List<Orbit> orbits) {
    int rows = orbits.stream().mapToInt(o -> o.words().size()).sum();
    int height = TOP + rows * ROW + orbits.size() * GAP + BOTTOM;
    double plotRight = WIDTH - RIGHT;
    double plotWidth = plotRight - LEFT;
    List<Double> values = new ArrayList<>();
    orbits.forEach(o -> o.words().forEach(w -> {
      values.add(w.base());
      values.add(w.fair());
    }));
    AxisScale x = AxisScale.including(values);
    StringBuilder svg = SvgCharts.open(WIDTH, height, title, List.of(baseName, fairName),
        List.of(ChartData.BASE_COLOR, ChartData.FAIR_COLOR));
    double plotBottom = height - BOTTOM;
    for (double t : x.ticks()) {
      double px = LEFT + x.fraction(t) * plotWidth;
      svg.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>",
          px, TOP, px, plotBottom));
      svg.append(String.format(Locale.ROOT,
          "<text class=\"tick-label\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>", px, plotBottom + 16,
          Html.escape(Numbers.tick(t, x.step()))));
    }
    double y = TOP;
    for (int o = 0; o < orbits.size(); o++) {
      Orbit orbit = orbits.get(o);
      double bandHeight = orbit.words().size() * ROW;
      svg.append(String.format(Locale.ROOT,
          "<rect class=\"orbit-band\" x=\"4\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s</title></rect>",
          y, plotRight - 4, bandHeight, o % 2 == 0 ? "#f1f4f8" : "#fafbfc", Html.escape("orbit " + orbit.label())));
      for (Word word : orbit.words()) {
        svg.append(String.format(Locale.ROOT,
            "<text class=\"tick-label word-label\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", LEFT - 8,
            y + ROW / 2.0 + 4, Html.escape(word.label())));
        bar(svg, x, y + 3, word.base(), ChartData.BASE_COLOR, word.label() + " \u00b7 " + baseName, plotWidth);
        bar(svg, x, y + 3 + BAR + 1, word.fair(), ChartData.FAIR_COLOR, word.label() + " \u00b7 " + fairName,
            plotWidth);
        y += ROW;
      }
      y += GAP;
    }
    svg.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\"/>",
        LEFT, TOP, LEFT, plotBottom));
    SvgCharts.axisLabel(svg, "probability", LEFT + plotWidth / 2, height - 10, false);
    return SvgCharts.close(svg);
  }

  private static void bar(StringBuilder svg, AxisScale x, double top, double value, String color, String name,
      double plotWidth) {
    String tip = name + ": " + (Double.isFinite(value) ? Numbers.value(value) : "not measured");
    if (!Double.isFinite(value)) {
      svg.append(String.format(Locale.ROOT,
          "<text class=\"na\" x=\"%d\" y=\"%.1f\">n/a<title>%s</title></text>", LEFT + 4, top + BAR, Html.escape(tip)));
      return;
    }
    double x0 = LEFT + x.fraction(Math.max(x.min(), 0)) * plotWidth;
    double x1 = LEFT + x.fraction(value) * plotWidth;
    svg.append(String.format(Locale.ROOT,
        "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s</title></rect>",
        Math.min(x0, x1), top, Math.max(value == 0 ? 0 : 1, Math.abs(x1 - x0)), BAR, color, Html.escape(tip)));
  }

  private static double finite(double v) {
    return Double.isFinite(v) ? v : 0;
  }
}
