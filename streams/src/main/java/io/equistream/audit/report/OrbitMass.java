package io.equistream.audit.report;

import io.equistream.audit.Measured;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.OrbitWordMass;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Orbit word probabilities of the fair-method requests (method none has fair = base and is left
 * out), per group and per prompt set: prompts without a word of the group (FairnessAudit.prompt_groups
 * does not list it), with one, or not recorded (audits before schema v2).
 */
final class OrbitMass {
  static final String NONE = "none";

  /** Which prompts of a group's requests: for WITHOUT, equal fair first-step mass per orbit is exact. */
  enum PromptSet {
    WITHOUT("without a %s word"), WITH("with a %s word"), NOT_RECORDED("prompt words not recorded");

    private final String pattern;

    PromptSet(String pattern) {
      this.pattern = pattern;
    }

    String label(String group) {
      String article = "aeiouAEIOU".indexOf(group.isEmpty() ? 'x' : group.charAt(0)) >= 0 ? "an " : "a ";
      return String.format(pattern, group).replace("a " + group + " word", article + group + " word");
    }
  }

  /** Means of one word over the requests of one prompt set. */
  static final class WordStats {
    final String word;
    final int tokenId;
    final Mean baseFirst = new Mean();
    final Mean fairFirst = new Mean();
    final Mean base = new Mean();
    final Mean fair = new Mean();

    WordStats(String word, int tokenId) {
      this.word = word;
      this.tokenId = tokenId;
    }
  }

  /** One group's requests of one prompt set. */
  static final class SetStats {
    long requests;
    final Map<String, Long> methods = new TreeMap<>();
    /** Largest (max - min) of the fair first-step masses of one orbit, over the requests; NaN if none. */
    double largestFairSpread = Double.NaN;
    /** orbit index (-1: not recorded) -> words in orbit order. */
    final Map<Integer, Map<String, WordStats>> orbits = new TreeMap<>();
  }

  /** group -> prompt set -> stats, groups sorted. */
  final Map<String, Map<PromptSet, SetStats>> groups = new TreeMap<>();

  OrbitMass(List<FairnessAudit> audits) {
    for (FairnessAudit a : audits) {
      if (!NONE.equals(a.getMethod())) {
        add(a);
      }
    }
  }

  private void add(FairnessAudit audit) {
    Map<String, Map<Integer, double[]>> spread = new HashMap<>(); // group -> orbit -> min, max of fair first step
    Map<String, SetStats> setOfGroup = new LinkedHashMap<>();
    for (OrbitWordMass w : audit.getOrbitWordMass()) {
      SetStats set = setOfGroup.computeIfAbsent(w.getGroup(), g -> {
        SetStats s = groups.computeIfAbsent(g, x -> new EnumMap<>(PromptSet.class))
            .computeIfAbsent(promptSet(audit, g), x -> new SetStats());
        s.requests++;
        s.methods.merge(audit.getMethod(), 1L, Long::sum);
        return s;
      });
      int orbit = w.getOrbit() == null ? -1 : w.getOrbit();
      WordStats stats = set.orbits.computeIfAbsent(orbit, o -> new LinkedHashMap<>())
          .computeIfAbsent(w.getWord(), word -> new WordStats(word, w.getTokenId()));
      stats.baseFirst.add(w.getBaseFirstStep());
      stats.fairFirst.add(w.getFairFirstStep());
      stats.base.add(w.getBase());
      stats.fair.add(w.getFair());
      double fairFirst = Measured.orNaN(w.getFairFirstStep());
      if (orbit >= 0) {
        double[] range = spread.computeIfAbsent(w.getGroup(), g -> new HashMap<>())
            .computeIfAbsent(orbit, o -> new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0});
        range[0] = Math.min(range[0], fairFirst);
        range[1] = Math.max(range[1], fairFirst);
        range[2] += Double.isNaN(fairFirst) ? 1 : 0; // a missing value makes the orbit's spread unknown
      }
    }
    spread.forEach((group, byOrbit) -> byOrbit.values().forEach(range -> {
      SetStats set = setOfGroup.get(group);
      if (range[2] == 0 && Double.isFinite(range[1] - range[0])) {
        double d = range[1] - range[0];
        set.largestFairSpread = Double.isNaN(set.largestFairSpread) ? d : Math.max(set.largestFairSpread, d);
      }
    }));
  }

  static PromptSet promptSet(FairnessAudit audit, String group) {
    List<String> named = audit.getPromptGroups();
    return named == null ? PromptSet.NOT_RECORDED : named.contains(group) ? PromptSet.WITH : PromptSet.WITHOUT;
  }

  /** An orbit's label: its words, as shown. */
  static String orbitLabel(int orbit, Map<String, WordStats> words) {
    return orbit < 0 ? "not recorded"
        : String.join(" / ", words.keySet().stream().map(HtmlReport::wordLabel).toList());
  }
}
