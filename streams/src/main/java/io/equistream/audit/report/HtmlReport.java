package io.equistream.audit.report;

import static io.equistream.audit.report.ChartData.BASE_COLOR;
import static io.equistream.audit.report.ChartData.FAIR_COLOR;
import static io.equistream.audit.report.HtmlTable.num;

import io.equistream.audit.report.AuditDataset.GroupDisparityMean;
import io.equistream.audit.report.AuditDataset.InterventionTotal;
import io.equistream.audit.report.AuditDataset.SequenceCost;
import io.equistream.audit.report.AuditDataset.WordMassMean;
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

  private final String title;
  private final AuditDataset data;
  private final AuditInput input;
  private final Optional<ReplayDiff> diff;
  private final Instant generatedAt;
  private final StringBuilder html = new StringBuilder(64 * 1024);

  HtmlReport(String title, AuditInput input, Optional<ReplayDiff> diff, Instant generatedAt) {
    this.title = title == null || title.isBlank() ? DEFAULT_TITLE : title;
    this.input = input;
    this.data = input.dataset();
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
      interventions();
      orbitWordProbability();
      throughputAndLatency();
      cost();
    }
    if (!data.summaries().isEmpty()) {
      new WindowedSummarySection(data.summaries()).appendTo(html);
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
    if (!data.summaries().isEmpty()) {
      fact("Windowed summaries", Numbers.count(data.summaries().size()));
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
    open("disparity-removed", "Disparity removed",
        "For each group, the mean disparity of next-token probability across the group's word orbits, for the"
            + " base model and for the fair (group-symmetrized) distribution: the mean of FairnessAudit"
            + " disparities[].base_mean and fair_mean over all audits. Values that were not measured (NaN,"
            + " e.g. method none has no fair distribution) are excluded and counted in the table.");
    if (groups.isEmpty()) {
      note("No audit carries per-group disparities.");
    } else {
      List<String> names = groups.stream().map(GroupDisparityMean::group).toList();
      html.append(SvgCharts.groupedBars("Mean disparity per group", "group", "mean disparity", names, List.of(
          new BarSeries("base model", BASE_COLOR, groups.stream().map(g -> g.base().value()).toList()),
          new BarSeries("fair", FAIR_COLOR, groups.stream().map(g -> g.fair().value()).toList()))));
      HtmlTable table = new HtmlTable("data", List.of("group", "mean base disparity", "mean fair disparity",
          "removed", "audits measured (base / fair)", "not measured (base / fair)"));
      for (GroupDisparityMean g : groups) {
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
        "Mean base and fair disparity (all groups pooled, not-measured values excluded) per time bucket of the"
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

  private void interventions() {
    List<InterventionTotal> methods = data.interventionsByMethod();
    open("interventions", "Interventions",
        "How often the fair decoder emitted a different token than the base model's choice (fair token \u2260"
            + " base token): intervention_count / steps, pooled over the requests of each method, overall and per"
            + " time bucket" + bucketNote() + ".");
    html.append(SvgCharts.groupedBars("Intervention rate per method", "method", "interventions / steps",
        methods.stream().map(m -> label(m.method())).toList(),
        List.of(new BarSeries("intervention rate", "#7570b3",
            methods.stream().map(InterventionTotal::rate).toList()))));
    timeSeries().ifPresent(series -> {
      List<LineSeries> lines = new ArrayList<>();
      int i = 0;
      for (Map.Entry<String, List<Point>> e : series.interventionRateByMethod().entrySet()) {
        lines.add(new LineSeries(label(e.getKey()), ChartData.paletteColor(i++), e.getValue()));
      }
      html.append(SvgCharts.timeLines("Intervention rate per " + series.buckets().describeWidth(),
          "interventions / steps", lines));
    });
    HtmlTable table = new HtmlTable("data", List.of("method", "requests", "steps", "interventions", "rate"));
    methods.forEach(m -> table.row(label(m.method()), num(Numbers.count(m.requests())), num(Numbers.count(m.steps())),
        num(Numbers.count(m.interventions())), num(Numbers.percent(m.rate()))));
    html.append(table);
    close();
  }

  private void orbitWordProbability() {
    Map<String, List<WordMassMean>> byGroup = data.wordMassByGroup();
    open("orbit-word-probability", "Orbit word probability",
        "For each group, each orbit word's next-token probability under the base model and under the fair"
            + " distribution, averaged over the audits that report it (orbit_word_mass; not-measured values"
            + " excluded). Under a fair model the words of one orbit get equal mass. \u2423 marks a leading space.");
    if (byGroup.isEmpty()) {
      note("No audit carries orbit word probabilities.");
    }
    HtmlTable table = new HtmlTable("data", List.of("group", "word", "token id", "mean base probability",
        "mean fair probability", "audits"));
    byGroup.forEach((group, words) -> {
      html.append(SvgCharts.groupedBars("Group " + group + ": mean probability per orbit word", "orbit word",
          "probability", words.stream().map(w -> wordLabel(w.word())).toList(), List.of(
              new BarSeries("base model", BASE_COLOR, words.stream().map(w -> w.base().value()).toList()),
              new BarSeries("fair", FAIR_COLOR, words.stream().map(w -> w.fair().value()).toList()))));
      words.forEach(w -> table.row(group, wordLabel(w.word()), num(String.valueOf(w.tokenId())),
          num(Numbers.value(w.base().value())), num(Numbers.value(w.fair().value())),
          num(Numbers.count(w.base().count()))));
    });
    if (!byGroup.isEmpty()) {
      html.append(table);
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

  private void cost() {
    List<SequenceCost> methods = data.costByMethod();
    SequenceCost total = data.totalCost();
    open("cost", "Cost",
        "Sequences run through the model (forward_sequences, after deduplicating identical transformed prompts)"
            + " vs the sequences a naive EquiTune would have run (equitune_sequences_without_dedup: one per group"
            + " element per step), summed per method. The gap is what deduplication and the multi design saved.");
    html.append(SvgCharts.groupedBars("Sequences per method", "method", "sequences",
        methods.stream().map(m -> label(m.method())).toList(), List.of(
            new BarSeries("forward_sequences", "#1f78b4", methods.stream().map(m -> (double) m.forwardSequences()).toList()),
            new BarSeries("naive EquiTune (no dedup)", "#a6761d",
                methods.stream().map(m -> (double) m.withoutDedup()).toList()))));
    HtmlTable table = new HtmlTable("data", List.of("method", "requests", "forward_sequences",
        "equitune_sequences_without_dedup", "saved"));
    for (SequenceCost m : methods) {
      table.row(label(m.method()), num(Numbers.count(m.requests())), num(Numbers.count(m.forwardSequences())),
          num(Numbers.count(m.withoutDedup())), num(Numbers.percent(m.saved())));
    }
    table.row("all", num(Numbers.count(total.requests())), num(Numbers.count(total.forwardSequences())),
        num(Numbers.count(total.withoutDedup())), num(Numbers.percent(total.saved())));
    html.append(table);
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
    html.append("<section id=\"").append(id).append("\"><h2>").append(Html.escape(heading)).append("</h2>")
        .append("<p class=\"explain\">").append(Html.escape(explanation)).append("</p>");
  }

  private void close() {
    html.append("</section>\n");
  }

  private void note(String text) {
    html.append("<p class=\"note\">").append(Html.escape(text)).append("</p>");
  }

  private static String label(String method) {
    return method.isEmpty() ? "(empty)" : method;
  }

  /** Makes leading/trailing spaces of GPT-2 words visible. */
  static String wordLabel(String word) {
    return word.replace(' ', '\u2423');
  }
}
