package io.equistream.audit.report;

import io.equistream.audit.Measured;
import static io.equistream.audit.report.HtmlTable.num;

import io.equistream.audit.report.ChartData.LineSeries;
import io.equistream.audit.report.ChartData.Point;
import io.equistream.audit.report.LatestSummaries.Window;
import io.equistream.schemas.AuditSummary;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The windowed AuditSummary records the streams app published: each window once, at its latest update. */
final class WindowedSummarySection {
  static final int TABLE_ROWS = 50;
  static final String EXPLANATION = "The fairness-audit-summary topic: one tumbling window per method + groups,"
      + " aggregating the OK audits whose record time falls in it. The topic carries every update of a window"
      + " (Kafka Streams publishes the aggregate after each audit it adds), so a window appears several times with"
      + " a growing request count; this report keeps each window's latest update (the last one read for its"
      + " method, groups and window start) and counts every window once. mean base / fair disparity: mean of"
      + " GroupDisparity.base_mean / fair_mean over the window's (audit, group) pairs that measured it; max fair"
      + " equivariance error: max of fair_equivariance_error_max; intervention rate: interventions / steps of the"
      + " window's audits (all steps, then greedy and sampled apart when the summary records them); tokens/s:"
      + " completion tokens / (latest audit time \u2212 window start); p50 / p99: upper edge of the 10%-wide"
      + " log-scale latency bucket that holds the quantile of total_ms.";
  private final LatestSummaries summaries;

  WindowedSummarySection(LatestSummaries summaries) {
    this.summaries = summaries;
  }

  void appendTo(StringBuilder html) {
    Section.open(html, "windowed-summaries", "Windowed summaries", EXPLANATION);
    List<Window> windows = summaries.windows();
    Section.paragraph(html, Numbers.count(windows.size()) + " windows from " + Numbers.count(summaries.updatesRead())
        + " updates read; " + Numbers.count(summaries.requests()) + " requests in them."
        + (windows.size() > TABLE_ROWS ? " The table lists the latest " + TABLE_ROWS + " windows." : ""));
    Map<String, List<Point>> baseByKey = new LinkedHashMap<>();
    for (Window w : windows) {
      AuditSummary s = w.latest();
      double base = Measured.orNaN(s.getMeanBaseDisparity());
      if (!Double.isNaN(base)) {
        baseByKey.computeIfAbsent(s.getMethod() + " \u00b7 " + s.getGroups(), k -> new ArrayList<>())
            .add(new Point(s.getWindowStart().toEpochMilli(), base));
      }
    }
    if (baseByKey.isEmpty()) {
      Section.note(html, "No window measured a base disparity (method none measures none).");
    } else {
      List<LineSeries> lines = new ArrayList<>();
      int i = 0;
      for (Map.Entry<String, List<Point>> e : baseByKey.entrySet()) {
        lines.add(new LineSeries(e.getKey(), ChartData.paletteColor(i++), e.getValue()));
      }
      html.append(SvgCharts.timeLines("Mean base disparity per window (at the window start)", "mean base disparity",
          lines));
    }
    boolean oneDay = windows.stream().map(w -> Numbers.time(w.latest().getWindowStart()).substring(0, 10))
        .distinct().count() <= 1 && windows.stream().allMatch(w -> sameDay(w.latest()));
    HtmlTable table = new HtmlTable("data compact", List.of(oneDay && !windows.isEmpty()
            ? "window (UTC, " + Numbers.time(windows.get(0).latest().getWindowStart()).substring(0, 10) + ")"
            : "window (UTC)", "method", "groups", "requests", "updates read", "mean base disparity",
        "mean fair disparity", "max equivariance error", "interventions: all", "greedy", "sampled", "tokens/s",
        "p50 ms", "p99 ms"));
    for (Window w : windows.subList(Math.max(0, windows.size() - TABLE_ROWS), windows.size())) {
      AuditSummary s = w.latest();
      table.row(window(s, oneDay), s.getMethod(), s.getGroups().replace(",", ", "),
          num(Numbers.count(s.getCount())), num(Numbers.count(w.updates())),
          num(Numbers.value(Measured.orNaN(s.getMeanBaseDisparity()))),
          num(Numbers.value(Measured.orNaN(s.getMeanFairDisparity()))),
          num(Numbers.value(Measured.orNaN(s.getMaxFairEquivarianceError()))),
          num(Numbers.percent(Measured.orNaN(s.getInterventionRate()))),
          num(rate(s.getGreedyInterventions(), s.getGreedySteps())),
          num(rate(s.getSampledInterventions(), s.getSampledSteps())),
          num(Numbers.value(Measured.orNaN(s.getTokensPerSecond()))), num(Numbers.value(Measured.orNaN(s.getLatencyP50Ms()))),
          num(Numbers.value(Measured.orNaN(s.getLatencyP99Ms()))));
    }
    Section.wide(html, table);
    Section.close(html);
  }

  /** "12:00:00 – 12:01:00" when every window is on one day (named in the header), else with dates. */
  static String window(AuditSummary s, boolean oneDay) {
    String start = Numbers.time(s.getWindowStart()).replace(" UTC", "");
    String end = Numbers.time(s.getWindowEnd()).replace(" UTC", "");
    return (oneDay ? start.substring(11) : start) + " \u2013 " + (sameDay(s) ? end.substring(11) : end);
  }

  private static boolean sameDay(AuditSummary s) {
    return Numbers.time(s.getWindowStart()).substring(0, 10).equals(Numbers.time(s.getWindowEnd()).substring(0, 10));
  }

  /** n/a when not recorded (summaries before v2) or when there were no such steps. */
  private static String rate(Long interventions, Long steps) {
    return interventions == null || steps == null || steps == 0 ? Numbers.NOT_MEASURED
        : Numbers.percent((double) interventions / steps);
  }
}
