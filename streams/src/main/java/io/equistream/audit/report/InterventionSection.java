package io.equistream.audit.report;

import static io.equistream.audit.report.HtmlTable.num;

import io.equistream.audit.report.ChartData.BarSeries;
import io.equistream.audit.report.ChartData.LineSeries;
import io.equistream.audit.report.ChartData.Point;
import io.equistream.schemas.FairnessAudit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The "Interventions" section: per method and decoding (greedy / sampled / not recorded), the share
 * of steps whose emitted token differs from what the base model would have emitted with the same
 * decoding rule and random draw (FairnessAudit.intervention_count / steps, pooled over requests).
 */
final class InterventionSection {
  static final String EXPLANATION = "An intervention is a step whose emitted (fair) token differs from the token"
      + " the base model M(x) would have emitted with the same decoding: for greedy requests the base model's"
      + " greedy token vs the fair greedy token; for sampled requests the base token is drawn with the same random"
      + " draw u as the fair token (inverse-CDF sampling with the request's temperature, top-k and top-p), so the"
      + " randomness of sampling never counts, only the difference between the two distributions \u2014 method"
      + " none is 0 by construction. Rate = sum of intervention_count / sum of steps over the requests of each"
      + " method and decoding. Audits written before schema v2 do not record how they were decoded (\u201cnot"
      + " recorded\u201d); they compared sampled tokens with the base model's greedy token, so their sampled"
      + " steps overstate interventions. Sampled and greedy rates measure different things and are shown apart:"
      + " a sampled rate is the share of steps at which, with the same seed, the base model would have said"
      + " something else. The draw walks both distributions' kept tokens in id order, each orbit as one block whose"
      + " words go by probability: outside the orbits it moves only as far as the probabilities do; when fairness"
      + " reorders two words of an orbit, the same draw can land on the other word although the distributions"
      + " differ little.";
  private static final Map<Decoding, String> COLORS = Map.of(
      Decoding.GREEDY, "#1f78b4", Decoding.SAMPLED, "#e7298a", Decoding.NOT_RECORDED, "#999999");

  /** Requests, interventions and steps of one method and decoding. */
  record Total(String method, Decoding decoding, long requests, long interventions, long steps) {
    double rate() {
      return steps == 0 ? Double.NaN : (double) interventions / steps;
    }
  }

  private final List<FairnessAudit> audits;
  private final Optional<TimeSeriesStats> series;

  InterventionSection(List<FairnessAudit> audits, Optional<TimeSeriesStats> series) {
    this.audits = audits;
    this.series = series;
  }

  /** Sorted by method, then greedy, sampled, not recorded. */
  static List<Total> totals(List<FairnessAudit> audits) {
    Map<String, Map<Decoding, long[]>> sums = new TreeMap<>();
    for (FairnessAudit a : audits) {
      long[] s = sums.computeIfAbsent(a.getMethod(), m -> new EnumMap<>(Decoding.class))
          .computeIfAbsent(Decoding.of(a), d -> new long[3]);
      s[0]++;
      s[1] += a.getInterventionCount();
      s[2] += a.getSteps();
    }
    List<Total> out = new ArrayList<>();
    sums.forEach((method, byDecoding) -> byDecoding.forEach((decoding, s) ->
        out.add(new Total(method, decoding, s[0], s[1], s[2]))));
    return out;
  }

  void appendTo(StringBuilder html) {
    List<Total> totals = totals(audits);
    Section.open(html, "interventions", "Interventions", EXPLANATION);
    List<String> methods = totals.stream().map(Total::method).distinct().toList();
    List<BarSeries> bars = new ArrayList<>();
    for (Decoding decoding : Decoding.values()) {
      if (totals.stream().anyMatch(t -> t.decoding() == decoding)) {
        bars.add(new BarSeries(decoding.label, COLORS.get(decoding), methods.stream()
            .map(m -> totals.stream().filter(t -> t.method().equals(m) && t.decoding() == decoding)
                .mapToDouble(Total::rate).findFirst().orElse(Double.NaN)).toList()));
      }
    }
    html.append(SvgCharts.groupedBars("Intervention rate per method and decoding", "method", "interventions / steps",
        methods.stream().map(Section::method).toList(), bars));
    series.ifPresent(s -> {
      List<LineSeries> lines = new ArrayList<>();
      int i = 0;
      for (Map.Entry<String, List<Point>> e : s.interventionRateByMethod().entrySet()) {
        lines.add(new LineSeries(e.getKey(), ChartData.paletteColor(i++), e.getValue()));
      }
      html.append(SvgCharts.timeLines("Intervention rate per " + s.buckets().describeWidth() + " of created_at",
          "interventions / steps", lines));
    });
    HtmlTable table = new HtmlTable("data", List.of("method", "decoding", "requests", "steps", "interventions",
        "rate"));
    totals.forEach(t -> table.row(Section.method(t.method()), t.decoding().label, num(Numbers.count(t.requests())),
        num(Numbers.count(t.steps())), num(Numbers.count(t.interventions())), num(Numbers.percent(t.rate()))));
    html.append(table);
    Section.close(html);
  }
}
