package io.equistream.audit;

import io.equistream.group.CyclicGroup;
import io.equistream.group.ProductGroup;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The per-step audits of one completion and their summary (means over steps, maxima of maxima). */
public final class AuditTrail {
  /** Summary of one group: NaN where not measured. */
  public record GroupSummary(String group, double baseMean, double baseMax, double fairMean, double fairMax) {
  }

  /**
   * Probability of one orbit word, base vs fair: the mean over the steps, and at the first step (the
   * prompt alone; NaN when no step was audited). {@code orbit} indexes the word's orbit in its group.
   */
  public record WordMass(String group, String word, int tokenId, double base, double fair, int orbit,
      double baseFirstStep, double fairFirstStep) {
  }

  private final ProductGroup group;
  private final List<StepAudit> steps = new ArrayList<>();

  public AuditTrail(ProductGroup group) {
    this.group = group;
  }

  public void add(StepAudit step) {
    steps.add(step);
  }

  public List<StepAudit> steps() {
    return Collections.unmodifiableList(steps);
  }

  public int interventions() {
    return (int) steps.stream().filter(StepAudit::intervened).count();
  }

  public double interventionRate() {
    return steps.isEmpty() ? 0 : (double) interventions() / steps.size();
  }

  public double maxEquivarianceError() {
    return steps.stream().mapToDouble(StepAudit::equivarianceError).filter(e -> !Double.isNaN(e)).max()
        .orElse(Double.NaN);
  }

  /**
   * The selected groups (in order) that move at least one of {@code tokens}: for a prompt, the groups
   * whose words it names. Every other selected group leaves the prompt unchanged, so the first step's
   * fair distribution gives the words of each of its orbits exactly equal probability.
   */
  public List<String> groupsIn(int[] tokens) {
    List<String> out = new ArrayList<>();
    for (CyclicGroup factor : group.factors()) {
      for (int token : tokens) {
        if (factor.moves(token)) {
          out.add(factor.name());
          break;
        }
      }
    }
    return out;
  }

  public List<GroupSummary> groups() {
    List<GroupSummary> out = new ArrayList<>();
    for (int f = 0; f < group.factorCount(); f++) {
      final int factor = f;
      out.add(new GroupSummary(group.factors().get(f).name(),
          mean(steps.stream().mapToDouble(s -> s.baseMean()[factor]).toArray()),
          max(steps.stream().mapToDouble(s -> s.baseMax()[factor]).toArray()),
          mean(steps.stream().mapToDouble(s -> s.fairMean()[factor]).toArray()),
          max(steps.stream().mapToDouble(s -> s.fairMax()[factor]).toArray())));
    }
    return out;
  }

  public List<WordMass> wordMasses() {
    List<WordMass> out = new ArrayList<>();
    int k = 0;
    for (CyclicGroup factor : group.factors()) {
      for (int o = 0; o < factor.orbitCount(); o++) {
        int[] orbit = factor.orbit(o);
        for (int p = 0; p < orbit.length; p++, k++) {
          final int index = k;
          StepAudit first = steps.isEmpty() ? null : steps.get(0);
          out.add(new WordMass(factor.name(), factor.word(o, p), orbit[p],
              mean(steps.stream().mapToDouble(s -> s.baseOrbitMass()[index]).toArray()),
              mean(steps.stream().mapToDouble(s -> s.fairOrbitMass()[index]).toArray()), o,
              first == null ? Double.NaN : first.baseOrbitMass()[index],
              first == null ? Double.NaN : first.fairOrbitMass()[index]));
        }
      }
    }
    return out;
  }

  private static double mean(double[] values) {
    double sum = 0;
    int n = 0;
    for (double value : values) {
      if (!Double.isNaN(value)) {
        sum += value;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  private static double max(double[] values) {
    double max = Double.NaN;
    for (double value : values) {
      if (!Double.isNaN(value) && (Double.isNaN(max) || value > max)) {
        max = value;
      }
    }
    return max;
  }
}
