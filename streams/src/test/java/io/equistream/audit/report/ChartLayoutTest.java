package io.equistream.audit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.audit.report.ChartData.Bin;
import io.equistream.audit.report.ChartData.LineSeries;
import io.equistream.audit.report.ChartData.Marker;
import io.equistream.audit.report.ChartData.Point;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.OrbitWordMass;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chart layout: legible orbit charts, distinct time-axis labels, percentile markers that do not overlap. */
class ChartLayoutTest {
  private static final Pattern TICK_LABEL =
      Pattern.compile("<text class=\"tick-label[^\"]*\" x=\"([-0-9.]+)\" y=\"([-0-9.]+)\"[^>]*>([^<]*)");
  private static final Pattern WORD_LABEL = Pattern.compile("<text class=\"tick-label word-label\" x=\"[-0-9.]+\" y=\"([-0-9.]+)\"");
  private static final Pattern MARKER_LINE = Pattern.compile("<line class=\"marker\" x1=\"([-0-9.]+)\"");
  private static final Pattern MARKER_LABEL =
      Pattern.compile("<text class=\"marker-label\" x=\"([-0-9.]+)\" y=\"([-0-9.]+)\"[^>]*>([^<]*)");

  @TempDir
  Path dir;

  @Test
  void orbitChartOfFortyOneOrbitsIsGroupedByOrbitWithHorizontalLabels() throws Exception {
    List<FairnessAudit> audits = new ArrayList<>();
    for (int r = 0; r < 6; r++) {
      List<OrbitWordMass> words = new ArrayList<>();
      for (int o = 0; o < 41; o++) {
        double base = 0.001 * (o % 7 + 1) + 0.0005 * r;
        words.add(AuditFixtures.with(AuditFixtures.word("gender", " he" + o, 1000 + 2 * o, base, base * 0.75,
            base, base * 0.75), "orbit", o));
        words.add(AuditFixtures.with(AuditFixtures.word("gender", " she" + o, 1001 + 2 * o, base / 2, base * 0.75,
            base / 2, base * 0.75), "orbit", o));
      }
      audits.add(AuditFixtures.with(AuditFixtures.audit("r" + r, r % 2 == 0 ? "multi" : "equitune", r, 8, 1, 100, 8,
          8, 16, List.of(AuditFixtures.disparity("gender", 0.1, 1e-8)), words), "prompt_groups", List.of()));
    }
    Path input = AuditFixtures.writeJsonLines(dir.resolve("o.jsonl"), audits);
    Path html = dir.resolve("o.html");
    assertEquals(0, ReportRun.of("report", "--input", input.toString(), "--out", html.toString()).exitCode());
    String section = ReportRun.sections(ReportRun.page(html)).get("orbit-word-probability");

    assertFalse(section.contains("rotate(-35"), "rotated, overlapping word labels");
    String chart = section.substring(section.indexOf("<svg"), section.indexOf("</svg>"));
    int bands = ReportRun.count(chart, "class=\"orbit-band\"");
    assertTrue(bands >= 10 && bands <= 41, "the chart is grouped by orbit (" + bands + " orbit bands)");
    assertTrue(section.contains("\u2423he3 / \u2423she3"), "an orbit is labelled by its words");
    // word labels sit on rows of their own
    List<Double> rows = new ArrayList<>();
    Matcher m = WORD_LABEL.matcher(chart);
    while (m.find()) {
      rows.add(Double.parseDouble(m.group(1)));
    }
    assertTrue(rows.size() >= 2 * bands, "every word of a shown orbit is labelled: " + rows.size());
    assertEquals(rows.size(), rows.stream().distinct().count(), "two word labels share a row");
  }

  @Test
  void timeAxisLabelsAreDistinct() {
    long start = AuditFixtures.START.toEpochMilli();
    for (long span : new long[] {3_000, 50_000, 20 * 60_000, 3 * 86_400_000L + 3_600_000, 400 * 86_400_000L}) {
      String svg = SvgCharts.timeLines("t", "y", List.of(new LineSeries("s", "#000000",
          List.of(new Point(start + 137, 1), new Point(start + 137 + span / 2, 2), new Point(start + 137 + span, 3)))));
      List<double[]> labels = tickLabels(svg);
      double axisY = labels.stream().mapToDouble(l -> l[1]).max().orElseThrow();
      List<String> xLabels = new ArrayList<>();
      Matcher m = TICK_LABEL.matcher(svg);
      while (m.find()) {
        if (Double.parseDouble(m.group(2)) == axisY) {
          xLabels.add(m.group(3));
        }
      }
      assertTrue(xLabels.size() >= 3, span + " ms: " + xLabels);
      assertEquals(xLabels.size(), new HashSet<>(xLabels).size(), span + " ms: repeated time labels " + xLabels);
    }
  }

  @Test
  void percentileMarkersDoNotOverlap() {
    List<Bin> bins = List.of(new Bin(0, 100, 3), new Bin(100, 200, 5), new Bin(200, 300, 1), new Bin(300, 400, 1));
    for (double[] p : new double[][] {{200, 400, 400}, {200, 390, 400}, {390, 395, 400}}) {
      String svg = SvgCharts.histogram("Latency", "ms", "requests", bins, List.of(
          new Marker("p50", p[0], "#1b9e77"), new Marker("p95", p[1], "#e6ab02"), new Marker("p99", p[2], "#e7298a")));
      List<Double> lines = new ArrayList<>();
      Matcher m = MARKER_LINE.matcher(svg);
      while (m.find()) {
        lines.add(Double.parseDouble(m.group(1)));
      }
      for (int i = 0; i < lines.size(); i++) {
        for (int j = i + 1; j < lines.size(); j++) {
          assertTrue(Math.abs(lines.get(i) - lines.get(j)) >= 4, "marker lines overlap: " + lines);
        }
      }
      List<double[]> boxes = new ArrayList<>();
      StringBuilder text = new StringBuilder();
      Matcher l = MARKER_LABEL.matcher(svg);
      while (l.find()) {
        double x = Double.parseDouble(l.group(1));
        double y = Double.parseDouble(l.group(2));
        boxes.add(new double[] {x, y - 11, x + l.group(3).length() * 6.6, y + 2});
        text.append(l.group(3)).append(' ');
      }
      for (String name : List.of("p50", "p95", "p99")) {
        assertTrue(text.toString().contains(name), name + " is labelled: " + text);
      }
      for (int i = 0; i < boxes.size(); i++) {
        for (int j = i + 1; j < boxes.size(); j++) {
          double[] a = boxes.get(i);
          double[] b = boxes.get(j);
          boolean overlap = a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
          assertFalse(overlap, "marker labels overlap: " + text);
        }
      }
    }
  }

  /** x, y of every tick label. */
  private static List<double[]> tickLabels(String svg) {
    List<double[]> out = new ArrayList<>();
    Matcher m = TICK_LABEL.matcher(svg);
    while (m.find()) {
      out.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))});
    }
    return out;
  }

}
