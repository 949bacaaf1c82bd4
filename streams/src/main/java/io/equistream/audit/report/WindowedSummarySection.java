package io.equistream.audit.report;

import static io.equistream.audit.report.HtmlTable.num;

import io.equistream.audit.report.ChartData.LineSeries;
import io.equistream.audit.report.ChartData.Point;
import io.equistream.schemas.AuditSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The windowed AuditSummary records the streams app computed: disparity per window, and the latest windows as a table. */
final class WindowedSummarySection {
  static final int TABLE_ROWS = 50;
  private final List<AuditSummary> summaries;

  WindowedSummarySection(List<AuditSummary> summaries) {
    this.summaries = summaries;
  }

  void appendTo(StringBuilder html) {
    html.append("<section id=\"windowed-summaries\"><h2>Windowed summaries</h2><p class=\"explain\">")
        .append(Html.escape("The AuditSummary windows published by the streams app: request-weighted mean base and"
            + " fair disparity over all (method, groups) keys per window start. The table lists the latest "
            + TABLE_ROWS + " windows."))
        .append("</p>");
    Map<Long, double[]> perWindow = new TreeMap<>(); // count-weighted sums: base, fair, count
    for (AuditSummary s : summaries) {
      double[] sums = perWindow.computeIfAbsent(s.getWindowStart().toEpochMilli(), k -> new double[3]);
      double weight = Math.max(1, s.getCount());
      if (finite(s.getMeanBaseDisparity()) && finite(s.getMeanFairDisparity())) {
        sums[0] += weight * s.getMeanBaseDisparity();
        sums[1] += weight * s.getMeanFairDisparity();
        sums[2] += weight;
      }
    }
    List<Point> base = new ArrayList<>();
    List<Point> fair = new ArrayList<>();
    perWindow.forEach((start, sums) -> {
      if (sums[2] > 0) {
        base.add(new Point(start, sums[0] / sums[2]));
        fair.add(new Point(start, sums[1] / sums[2]));
      }
    });
    html.append(SvgCharts.timeLines("Mean disparity per summary window", "mean disparity", List.of(
        new LineSeries("base model", ChartData.BASE_COLOR, base), new LineSeries("fair", ChartData.FAIR_COLOR, fair))));
    HtmlTable table = new HtmlTable("data", List.of("window start", "window end", "method", "groups", "requests",
        "mean base disparity", "mean fair disparity", "intervention rate", "tokens/s", "p50 ms", "p99 ms"));
    for (AuditSummary s : summaries.subList(Math.max(0, summaries.size() - TABLE_ROWS), summaries.size())) {
      table.row(Numbers.time(s.getWindowStart()), Numbers.time(s.getWindowEnd()), s.getMethod(), s.getGroups(),
          num(Numbers.count(s.getCount())), num(Numbers.value(s.getMeanBaseDisparity())),
          num(Numbers.value(s.getMeanFairDisparity())), num(Numbers.percent(s.getInterventionRate())),
          num(Numbers.value(s.getTokensPerSecond())), num(Numbers.value(s.getLatencyP50Ms())),
          num(Numbers.value(s.getLatencyP99Ms())));
    }
    html.append(table).append("</section>\n");
  }

  /** Null (not measured, v2) or NaN (v1) leave a window out. */
  private static boolean finite(Double value) {
    return value != null && Double.isFinite(value);
  }
}
