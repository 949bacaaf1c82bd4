package io.equistream.audit.report;

import static io.equistream.audit.report.HtmlTable.num;

import io.equistream.audit.report.ChartData.BarSeries;
import io.equistream.schemas.FairnessAudit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The "Cost" section: sequences the fair methods ran (forward_sequences, after orbit deduplication
 * and multi's shared canonical sequence) against what equitune without deduplication would have run
 * (equitune_sequences_without_dedup = |G| per step). Method none does no fairness, runs one sequence
 * per step, and is listed without a comparison.
 */
final class CostSection {
  static final String NONE = "none";
  static final String EXPLANATION = "For the fair methods (every method but none): the sequences run through the"
      + " model (forward_sequences: distinct sequences per step after orbit deduplication, summed over steps, the"
      + " audit's base sequence included) against the sequences equitune without deduplication would have run"
      + " for the same requests and steps (equitune_sequences_without_dedup: |G| per step). saved = 1 \u2212"
      + " forward_sequences / equitune_sequences_without_dedup, summed per method. Method none does no fairness"
      + " (one sequence per step), so it is not compared and not credited with savings.";

  /** Sums of one method. */
  record Cost(String method, long requests, long forwardSequences, long withoutDedup) {
    double saved() {
      return withoutDedup == 0 ? Double.NaN : 1.0 - (double) forwardSequences / withoutDedup;
    }
  }

  private final List<FairnessAudit> audits;

  CostSection(List<FairnessAudit> audits) {
    this.audits = audits;
  }

  static List<Cost> byMethod(List<FairnessAudit> audits) {
    Map<String, long[]> sums = new TreeMap<>();
    for (FairnessAudit a : audits) {
      long[] s = sums.computeIfAbsent(a.getMethod(), m -> new long[3]);
      s[0]++;
      s[1] += a.getForwardSequences();
      s[2] += a.getEquituneSequencesWithoutDedup();
    }
    List<Cost> out = new ArrayList<>();
    sums.forEach((m, s) -> out.add(new Cost(m, s[0], s[1], s[2])));
    return out;
  }

  void appendTo(StringBuilder html) {
    List<Cost> all = byMethod(audits);
    List<Cost> fair = all.stream().filter(c -> !c.method().equals(NONE)).toList();
    Section.open(html, "cost", "Cost", EXPLANATION);
    if (fair.isEmpty()) {
      Section.note(html, "No request of a fair method (equitune, multi): nothing to compare.");
    } else {
      html.append(SvgCharts.groupedBars("Sequences run vs equitune without dedup", "method", "sequences",
          fair.stream().map(c -> Section.method(c.method())).toList(), List.of(
              new BarSeries("forward_sequences", "#1f78b4", fair.stream().map(c -> (double) c.forwardSequences()).toList()),
              new BarSeries("equitune without dedup", "#a6761d",
                  fair.stream().map(c -> (double) c.withoutDedup()).toList()))));
    }
    HtmlTable table = new HtmlTable("data", List.of("method", "requests", "forward_sequences",
        "equitune_sequences_without_dedup", "saved"));
    for (Cost c : fair) {
      table.row(Section.method(c.method()), num(Numbers.count(c.requests())), num(Numbers.count(c.forwardSequences())),
          num(Numbers.count(c.withoutDedup())), num(Numbers.percent(c.saved())));
    }
    if (fair.size() > 1) {
      Cost total = new Cost(String.join(" + ", fair.stream().map(Cost::method).toList()),
          fair.stream().mapToLong(Cost::requests).sum(), fair.stream().mapToLong(Cost::forwardSequences).sum(),
          fair.stream().mapToLong(Cost::withoutDedup).sum());
      table.row(total.method(), num(Numbers.count(total.requests())), num(Numbers.count(total.forwardSequences())),
          num(Numbers.count(total.withoutDedup())), num(Numbers.percent(total.saved())));
    }
    all.stream().filter(c -> c.method().equals(NONE)).forEach(c -> table.row(NONE, num(Numbers.count(c.requests())),
        num(Numbers.count(c.forwardSequences())), num("\u2014"), "not compared (no fairness)"));
    html.append(table);
    Section.close(html);
  }
}
