package io.equistream.audit.report;

import static io.equistream.audit.report.ChartData.BASE_COLOR;
import static io.equistream.audit.report.ChartData.FAIR_COLOR;
import static io.equistream.audit.report.HtmlTable.num;

import io.equistream.audit.report.AuditDataset.GroupDisparityMean;
import io.equistream.audit.report.ChartData.BarSeries;
import io.equistream.audit.report.ChartData.LineSeries;
import io.equistream.audit.report.ChartData.Marker;
import io.equistream.audit.report.ChartData.Point;
import io.equistream.schemas.FairnessAudit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The report page: a summary header and one section per view of the audits, as one self-contained HTML string. */
final class HtmlReport {
  static final String DEFAULT_TITLE = "EquiStream fairness audit report";
  static final String DISPARITY_EXPLANATION = "Base disparity of a group G (GroupDisparity.base_mean): the base"
      + " model's counterfactual disparity TV(M(x'), g\u207b\u00b9\u00b7M(g\u00b7x')) = \u00bd \u03a3_t |M(x')[t]"
      + " \u2212 M(g\u00b7x')[g(t)]|, the total-variation distance between the next-token distribution of x' and that"
      + " of its counterfactual g\u00b7x' with G's words mapped back, averaged over G's non-identity elements g and"
      + " over the steps; x' = x for equitune, x' = the prompt with the other groups' words canonicalized for multi"
      + " (so the two methods measure slightly different references, shown apart below the pooled rows). Fair"
      + " disparity (fair_mean): the same distance for the fair distribution, TV(p(x), g\u207b\u00b9\u00b7p(g\u00b7x)),"
      + " 0 up to float rounding when p is equivariant. Each is averaged over the audits that measured it; values"
      + " not measured (null or NaN: method none measures neither) are left out and counted. removed = 1 \u2212"
      + " fair / base.";

  private final String title;
  private final AuditDataset data;
  private final LatestSummaries summaries;
  private final AuditInput input;
  private final Optional<ReplayDiff> diff;
  private final Instant generatedAt;
  private final StringBuilder html = new StringBuilder(64 * 1024);

  HtmlReport(String title, AuditInput input, Optional<ReplayDiff> diff, Instant generatedAt) {
    this.title = title == null || title.isBlank() ? DEFAULT_TITLE : title;
    this.input = input;
    this.data = input.dataset();
    this.summaries = new LatestSummaries(input.summaries);
    this.diff = diff;
    this.generatedAt = generatedAt;
  }

  String render() {
    html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>").append(Html.escape(title)).append("</title><style>").append(ReportStyle.CSS)
        .append("</style></head><body><main>\n");
    header();
    if (data.size() > 0) {
      disparityRemoved();
      disparityOverTime();
      new InterventionSection(data.audits(), timeSeries()).appendTo(html);
      new OrbitMassSection(data.audits()).appendTo(html);
      throughputAndLatency();
      new CostSection(data.audits()).appendTo(html);
    }
    if (!summaries.isEmpty()) {
      new WindowedSummarySection(summaries).appendTo(html);
    }
    diff.ifPresent(d -> new ReplayDiffSection(d).appendTo(html));
    html.append("<footer>Generated ").append(Html.escape(Numbers.time(generatedAt)))
        .append(" by <code>equistream report</code>. Hover a bar or point for its value.</footer>\n");
    return html.append("</main></body></html>\n").toString();
  }

  // ---- header ----

  private void header() {
    html.append("<header><h1>").append(Html.escape(title)).append("</h1>");
    if (data.size() == 0) {
      html.append("<p class=\"empty\">No audits were found in the input.</p>");
    }
    html.append("<dl class=\"facts\">");
    fact("Audits", Numbers.count(data.size()));
    fact("Time range", data.firstCreated()
        .map(first -> Numbers.time(first) + " \u2013 " + Numbers.time(data.lastCreated().orElseThrow()))
        .orElse("unknown") + (data.timed().size() < data.size()
            ? " (" + (data.size() - data.timed().size()) + " audits without created_at)" : ""));
    fact("Methods", counts(data.countBy(FairnessAudit::getMethod)));
    fact("Groups", data.groups().isEmpty() ? "none" : String.join(", ", data.groups()));
    fact("Models", counts(data.countBy(FairnessAudit::getModelId)));
    fact("Status", counts(data.countBy(a -> a.getStatus().name())));
    fact("Decoding", counts(data.countBy(a -> Decoding.of(a).label)));
    if (!summaries.isEmpty()) {
      fact("Windowed summaries", Numbers.count(summaries.windows().size()) + " windows ("
          + Numbers.count(summaries.updatesRead()) + " updates read), " + Numbers.count(summaries.requests())
          + " requests");
    }
    fact("Skipped records", Numbers.count(input.skipped));
    html.append("</dl>");
    if (!input.sources.isEmpty()) {
      html.append("<details><summary>Sources</summary><ul>");
      input.sources.forEach(s -> html.append("<li>").append(Html.escape(s)).append("</li>"));
      html.append("</ul></details>");
    }
    html.append("</header>\n");
  }

  private void fact(String name, String value) {
    html.append("<dt>").append(Html.escape(name)).append("</dt><dd>").append(Html.escape(value)).append("</dd>");
  }

  private static String counts(Map<String, Long> counts) {
    if (counts.isEmpty()) {
      return "none";
    }
    return counts.entrySet().stream()
        .map(e -> (e.getKey().isEmpty() ? "(empty)" : e.getKey()) + " (" + e.getValue() + ")")
        .collect(Collectors.joining(", "));
  }

  // ---- sections ----

  private void disparityRemoved() {
    List<GroupDisparityMean> groups = data.disparityByGroup();
    open("disparity-removed", "Disparity removed", DISPARITY_EXPLANATION);
    if (groups.isEmpty()) {
      note("No audit carries per-group disparities.");
    } else {
      List<String> names = groups.stream().map(GroupDisparityMean::group).toList();
      html.append(SvgCharts.groupedBars("Mean disparity per group", "group", "mean disparity", names, List.of(
          new BarSeries("base model", BASE_COLOR, groups.stream().map(g -> g.base().value()).toList()),
          new BarSeries("fair", FAIR_COLOR, groups.stream().map(g -> g.fair().value()).toList()))));
      HtmlTable table = new HtmlTable("data", List.of("group", "mean base disparity", "mean fair disparity",
          "removed", "audits measured (base / fair)", "not measured (base / fair)"));
      List<GroupDisparityMean> rows = new ArrayList<>(groups);
      // per method only where measured (none measures nothing; its audits count as not measured above)
      data.disparityByGroupAndMethod().stream().filter(g -> g.base().count() + g.fair().count() > 0)
          .forEach(rows::add);
      for (GroupDisparityMean g : rows) {
        double removed = 1 - g.fair().value() / g.base().value();
        table.row(g.group(), num(Numbers.value(g.base().value())), num(Numbers.value(g.fair().value())),
            num(Numbers.percent(removed)), num(g.base().count() + " / " + g.fair().count()),
            num(g.base().notMeasured() + " / " + g.fair().notMeasured()));
      }
      html.append(table);
    }
    close();
  }

  private void disparityOverTime() {
    open("disparity-over-time", "Disparity over time",
        "Mean base and fair disparity (as in Disparity removed; all groups and methods pooled, not-measured values"
            + " excluded) per time bucket of the"
            + " audits' created_at" + bucketNote() + ". Each point is plotted at the middle of its bucket.");
    Optional<TimeSeriesStats> series = timeSeries();
    if (series.isEmpty() || series.get().baseDisparity().isEmpty() && series.get().fairDisparity().isEmpty()) {
      note("No timestamped audit carries measured disparities.");
    } else {
      html.append(SvgCharts.timeLines("Mean disparity per " + series.get().buckets().describeWidth(),
          "mean disparity", List.of(
              new LineSeries("base model", BASE_COLOR, series.get().baseDisparity()),
              new LineSeries("fair", FAIR_COLOR, series.get().fairDisparity()))));
    }
    close();
  }

  private void throughputAndLatency() {
    LatencyStats latency = new LatencyStats(data.audits());
    open("throughput-latency", "Throughput and latency",
        "Throughput: completion tokens of the requests created in each time bucket divided by the bucket"
            + " length" + bucketNote() + ". Latency: distribution of total_ms per request, with the p50, p95 and"
            + " p99 (nearest rank) marked.");
    timeSeries().ifPresent(series -> html.append(SvgCharts.timeLines(
        "Completion tokens per second (per " + series.buckets().describeWidth() + ")", "tokens / s",
        List.of(new LineSeries("tokens/s", "#1f78b4", series.tokensPerSecond())))));
    html.append(SvgCharts.histogram("Latency (total_ms)", "ms", "requests", latency.histogram(), List.of(
        new Marker("p50", latency.percentile(50), "#1b9e77"),
        new Marker("p95", latency.percentile(95), "#e6ab02"),
        new Marker("p99", latency.percentile(99), "#e7298a"))));
    html.append(new HtmlTable("data", List.of("mean ms", "p50 ms", "p95 ms", "p99 ms", "max ms"))
        .row(num(Numbers.value(latency.mean())), num(Numbers.value(latency.percentile(50))),
            num(Numbers.value(latency.percentile(95))), num(Numbers.value(latency.percentile(99))),
            num(Numbers.value(latency.percentile(100)))));
    close();
  }

  // ---- helpers ----

  private Optional<TimeSeriesStats> timeSeries() {
    return data.buckets().map(b -> new TimeSeriesStats(data.timed(), b));
  }

  private String bucketNote() {
    String width = data.buckets().map(b -> " (" + b.describeWidth() + " buckets)").orElse("");
    long untimed = data.size() - data.timed().size();
    return width + (untimed > 0 ? "; " + untimed + " audits without created_at are left out" : "");
  }

  private void open(String id, String heading, String explanation) {
    Section.open(html, id, heading, explanation);
  }

  private void close() {
    Section.close(html);
  }

  private void note(String text) {
    Section.note(html, text);
  }

  /** Makes leading/trailing spaces of GPT-2 words visible. */
  static String wordLabel(String word) {
    return word.replace(' ', '\u2423');
  }
}
