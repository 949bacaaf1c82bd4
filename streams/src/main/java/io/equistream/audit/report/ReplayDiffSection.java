package io.equistream.audit.report;

import static io.equistream.audit.report.HtmlTable.num;

import io.equistream.audit.report.ChartData.BarSeries;
import java.util.List;

/** The "Replay diff" section: totals, before/after disparity chart and the changed requests. */
final class ReplayDiffSection {
  static final int MAX_ROWS = 500;
  private final ReplayDiff diff;

  ReplayDiffSection(ReplayDiff diff) {
    this.diff = diff;
  }

  void appendTo(StringBuilder html) {
    ReplayDiff.Totals t = diff.totals();
    html.append("<section id=\"replay-diff\"><h2>Replay diff</h2><p class=\"explain\">")
        .append(Html.escape("Requests replayed against the current setup: how many completions changed, and the"
            + " mean base and fair disparity before (original run) and after (replay)."))
        .append("</p>");
    html.append(new HtmlTable("data", List.of("requests", "unchanged", "changed",
        "mean base disparity before", "after", "mean fair disparity before", "after"))
        .row(num(Numbers.count(t.requests())), num(Numbers.count(t.unchanged())), num(Numbers.count(t.changed())),
            num(Numbers.value(t.meanBaseDisparityBefore())), num(Numbers.value(t.meanBaseDisparityAfter())),
            num(Numbers.value(t.meanFairDisparityBefore())), num(Numbers.value(t.meanFairDisparityAfter()))));
    html.append(SvgCharts.groupedBars("Mean disparity before vs after replay", "distribution", "mean disparity",
        List.of("base model", "fair"), List.of(
            new BarSeries("before (original)", "#a6cee3",
                List.of(t.meanBaseDisparityBefore(), t.meanFairDisparityBefore())),
            new BarSeries("after (replay)", "#1f78b4",
                List.of(t.meanBaseDisparityAfter(), t.meanFairDisparityAfter())))));
    List<ReplayDiff.Request> changed = diff.changedRequests();
    html.append("<h3>Changed requests (").append(changed.size()).append(")</h3>");
    if (changed.isEmpty()) {
      html.append("<p class=\"note\">No completion changed.</p>");
    } else {
      HtmlTable table = new HtmlTable("data", List.of("request", "original completion", "replay completion",
          "base disparity before \u2192 after", "fair disparity before \u2192 after"));
      for (ReplayDiff.Request r : changed.subList(0, Math.min(MAX_ROWS, changed.size()))) {
        table.rawRow(
            "<td>" + Html.escape(r.requestId()) + "</td>",
            "<td class=\"text\">" + Html.escape(r.originalCompletion()) + "</td>",
            "<td class=\"text\">" + Html.escape(r.replayCompletion()) + "</td>",
            "<td class=\"num\">" + Html.escape(Numbers.value(r.baseDisparityBefore()) + " \u2192 "
                + Numbers.value(r.baseDisparityAfter())) + "</td>",
            "<td class=\"num\">" + Html.escape(Numbers.value(r.fairDisparityBefore()) + " \u2192 "
                + Numbers.value(r.fairDisparityAfter())) + "</td>");
      }
      html.append(table);
      if (changed.size() > MAX_ROWS) {
        html.append("<p class=\"note\">Showing the first ").append(MAX_ROWS).append(" of ")
            .append(changed.size()).append(" changed requests.</p>");
      }
    }
    html.append("</section>\n");
  }
}
