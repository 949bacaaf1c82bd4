package io.equistream.audit.report;

import static io.equistream.audit.report.HtmlTable.num;

import io.equistream.audit.report.OrbitMass.PromptSet;
import io.equistream.audit.report.OrbitMass.SetStats;
import io.equistream.audit.report.OrbitMass.WordStats;
import io.equistream.schemas.FairnessAudit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The "Orbit word probability" section: what is compared, over which requests, and the equal-mass check. */
final class OrbitMassSection {
  static final String EXPLANATION = "For each group G: the probability of each of G's orbit words as the next token,"
      + " under the base model M(x) and under the fair distribution p(x) (FairnessAudit.orbit_word_mass), over the"
      + " requests of the fair methods only (method none has p = M and is left out). Requests are split by whether"
      + " their prompt contains a word of G (FairnessAudit.prompt_groups). A prompt without a word of G is left"
      + " unchanged by G, so an equivariant p gives the words of each of G's orbits exactly equal probability at the"
      + " first step (the prompt alone): the check line measures this. Later steps keep the equality only until the"
      + " completion itself produces one of G's words, so means over all steps need not be equal. A prompt with a"
      + " word of G names one word of the orbit, and equal mass is not expected: there, fairness means that the"
      + " counterfactual prompt gets the permuted probabilities, which \u201cDisparity removed\u201d measures as"
      + " fair disparity. Each value is the mean over the requests of the set; \u2423 marks a leading space.";

  private final OrbitMass mass;

  OrbitMassSection(List<FairnessAudit> audits) {
    this.mass = new OrbitMass(audits);
  }

  void appendTo(StringBuilder html) {
    Section.open(html, "orbit-word-probability", "Orbit word probability", EXPLANATION);
    if (mass.groups.isEmpty()) {
      Section.note(html, "No audit of a fair method carries orbit word probabilities.");
    }
    HtmlTable table = new HtmlTable("data", List.of("group", "prompts", "orbit", "word", "token id", "requests",
        "first step: base", "first step: fair", "mean over steps: base", "mean over steps: fair"));
    long rows = 0;
    for (Map.Entry<String, Map<PromptSet, SetStats>> group : mass.groups.entrySet()) {
      String name = group.getKey();
      Section.subheading(html, "Group " + name);
      html.append("<ul class=\"sets\">");
      group.getValue().forEach((set, stats) -> html.append("<li>").append(Html.escape(describe(name, set, stats)))
          .append("</li>"));
      html.append("</ul>");
      chart(html, name, group.getValue());
      for (Map.Entry<PromptSet, SetStats> set : group.getValue().entrySet()) {
        for (Map.Entry<Integer, Map<String, WordStats>> orbit : set.getValue().orbits.entrySet()) {
          String orbitLabel = OrbitMass.orbitLabel(orbit.getKey(), orbit.getValue());
          for (WordStats w : orbit.getValue().values()) {
            table.row(name, set.getKey().label(name), orbitLabel, HtmlReport.wordLabel(w.word),
                num(String.valueOf(w.tokenId)), num(Numbers.count(set.getValue().requests)),
                num(Numbers.value(w.baseFirst.value())), num(Numbers.value(w.fairFirst.value())),
                num(Numbers.value(w.base.value())), num(Numbers.value(w.fair.value())));
            rows++;
          }
        }
      }
    }
    if (rows > 0) {
      Section.folded(html, "All orbit words, per group and prompt set (" + rows + " rows)", table);
    }
    Section.close(html);
  }

  private static String describe(String group, PromptSet set, SetStats stats) {
    String methods = stats.methods.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
        .collect(Collectors.joining(", "));
    String head = "Prompts " + set.label(group) + ": " + Numbers.count(stats.requests) + " "
        + (stats.requests == 1 ? "request" : "requests") + " (" + methods + ").";
    if (set != PromptSet.WITHOUT) {
      return head + (set == PromptSet.WITH ? " Equal mass is not expected here." : "");
    }
    return head + " Check: largest difference between the fair first-step masses of one orbit: "
        + Numbers.value(stats.largestFairSpread) + " over " + Numbers.count(stats.requests) + " "
        + (stats.requests == 1 ? "request" : "requests") + " (0 up to float rounding when p is equivariant).";
  }

  /** Prompts without the group's words if there are any (first step), else the first set that has requests. */
  private static void chart(StringBuilder html, String group, Map<PromptSet, SetStats> sets) {
    PromptSet set = sets.keySet().iterator().next();
    SetStats stats = sets.get(set);
    boolean firstStep = set != PromptSet.NOT_RECORDED;
    List<OrbitChart.Orbit> orbits = new ArrayList<>();
    stats.orbits.forEach((index, words) -> {
      List<OrbitChart.Word> bars = words.values().stream().map(w -> new OrbitChart.Word(HtmlReport.wordLabel(w.word),
          firstStep ? w.baseFirst.value() : w.base.value(), firstStep ? w.fairFirst.value() : w.fair.value())).toList();
      if (index >= 0) {
        orbits.add(new OrbitChart.Orbit(OrbitMass.orbitLabel(index, words), bars));
      } else { // orbits not recorded (audits before v2): one band per word
        bars.forEach(b -> orbits.add(new OrbitChart.Orbit(b.label(), List.of(b))));
      }
    });
    List<OrbitChart.Orbit> shown = OrbitChart.largest(orbits);
    String title = group + ": prompts " + set.label(group) + ", " + (firstStep ? "first step" : "mean over steps");
    if (shown.size() < orbits.size()) {
      Section.paragraph(html, "The chart shows the " + shown.size() + " of " + orbits.size() + " orbits with the"
          + " highest probability; the table below lists all.");
    }
    html.append(OrbitChart.render(title, "base model", "fair", shown));
  }
}
