package io.equistream.audit;

import io.equistream.equivariance.FairDistribution;
import io.equistream.equivariance.FairResult;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.equivariance.RowOutputs;
import io.equistream.equivariance.VariantPlan;
import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * Audit primitives from the variants already run (no extra model calls).
 *
 * <p>Base disparity of group Gi at element g (non-identity): TV(M(x'), g^-1 . M(g x')), the total
 * variation between the base distribution of the reference sequence x' and the back-mapped base
 * distribution of its g-counterfactual; x' = x for equitune and x' = c_{-i}(x) (other groups
 * canonicalized) for multi, whose branch i runs exactly those counterfactuals. Zero iff the base
 * model treats x' and g x' alike. Not measured for method none (NaN); for symsample only at the
 * first step of a request that asked for counterfactuals (audit-only variants run h^-1 x once).
 *
 * <p>Fair disparity of Gi at g: TV(p(x), g^-1 . p(g x)), where p(g x) is recombined from the same
 * rows (g x's variants are a permutation of x's). This is the measured equivariance error; the
 * step's error is its maximum over every checked element (each non-identity element of each
 * group, plus the product generator). Not measured (NaN) for none and for symsample's sampled
 * plan: a single draw of g is not equivariant; its law is (see FairDistribution).
 */
public final class StepAuditor {
  private final FairDistribution distribution;
  private final VariantPlan plan;
  private final ProductGroup group;
  private final int[] orbitTokens;
  private final List<GroupElement> checkedElements = new ArrayList<>();
  private final List<Integer> checkedFactor = new ArrayList<>();
  private final int[][] checkedIndex;

  public StepAuditor(FairDistribution distribution) {
    this.distribution = distribution;
    this.plan = distribution.plan();
    this.group = plan.group();
    this.orbitTokens = distribution.orbitTokens();
    for (int f = 0; f < group.factorCount(); f++) {
      for (GroupElement g : group.factorElements(f)) {
        if (!g.isIdentity()) {
          checkedElements.add(g);
          checkedFactor.add(f);
        }
      }
    }
    if (group.factorCount() > 1) {
      int[] ones = new int[group.factorCount()];
      java.util.Arrays.fill(ones, 1);
      checkedElements.add(new GroupElement(ones));
      checkedFactor.add(-1);
    }
    // checkedIndex[c][k]: position of g(orbitTokens[k]) in orbitTokens.
    checkedIndex = new int[checkedElements.size()][orbitTokens.length];
    for (int c = 0; c < checkedElements.size(); c++) {
      for (int k = 0; k < orbitTokens.length; k++) {
        checkedIndex[c][k] = indexOf(group.act(checkedElements.get(c), orbitTokens[k]));
      }
    }
  }

  private int indexOf(int token) {
    for (int k = 0; k < orbitTokens.length; k++) {
      if (orbitTokens[k] == token) {
        return k;
      }
    }
    throw new IllegalStateException("token " + token + " is not an orbit token");
  }

  /** A greedy step's audit (what {@code score} reports). */
  public StepAudit audit(int step, int[] rowOfVariant, RowOutputs rows, FairResult fair, int chosenToken) {
    return audit(step, rowOfVariant, rows, fair, chosenToken, TokenChoice.GREEDY);
  }

  /**
   * The step's audit; {@code choice} is the rule (and, when sampling, the random draw) that picked
   * {@code chosenToken} from the fair distribution. The base token is what the same rule and draw pick
   * from the base distribution M(x), so an intervention is a token fairness changed. Under method none
   * the fair distribution is M(x) by definition, so the base token is the chosen token.
   */
  public StepAudit audit(int step, int[] rowOfVariant, RowOutputs rows, FairResult fair, int chosenToken,
      TokenChoice choice) {
    int groups = group.factorCount();
    float[] base = baseRow(rowOfVariant, rows);
    // symsample: the base token is what the model emitted on the sequence it ran (g y), so an
    // intervention is a word the back-map g^-1 changed; none: the chosen token (the fair distribution
    // is M(x)); else what the same rule and draw pick from M(x).
    int baseToken = plan.sampledElement() != null ? plan.mapToken(0, chosenToken)
        : plan.method() == FairnessMethod.NONE ? chosenToken : choice.choose(base);
    double[] baseMean = nan(groups);
    double[] baseMax = nan(groups);
    boolean fairMeasured = plan.stepEquivariant();
    double[] fairMean = fairMeasured ? new double[groups] : nan(groups);
    double[] fairMax = fairMeasured ? new double[groups] : nan(groups);
    double error = fairMeasured && !checkedElements.isEmpty() ? 0 : Double.NaN;
    String checked = "";
    int[] counts = new int[groups];
    for (int c = 0; c < checkedElements.size(); c++) {
      GroupElement g = checkedElements.get(c);
      int factor = checkedFactor.get(c);
      if (fairMeasured) {
        double fairTv = fairDisparity(c, g, rowOfVariant, rows, fair);
        if (checked.isEmpty() || fairTv > error) {
          error = fairTv;
          checked = group.describe(g);
        }
        if (factor >= 0) { // the product generator only feeds the overall error
          fairMean[factor] += fairTv;
          fairMax[factor] = Math.max(fairMax[factor], fairTv);
        }
      }
      double baseTv = factor < 0 ? Double.NaN : baseDisparity(factor, g, rowOfVariant, rows);
      if (!Double.isNaN(baseTv)) {
        counts[factor]++;
        baseMean[factor] = counts[factor] == 1 ? baseTv : baseMean[factor] + baseTv;
        baseMax[factor] = counts[factor] == 1 ? baseTv : Math.max(baseMax[factor], baseTv);
      }
    }
    for (int f = 0; f < groups; f++) {
      int elements = group.factors().get(f).order() - 1;
      if (fairMeasured) {
        fairMean[f] /= elements;
      }
      if (counts[f] > 0) {
        baseMean[f] /= counts[f];
      }
    }
    float[] baseMass = new float[orbitTokens.length];
    float[] fairMass = new float[orbitTokens.length];
    for (int k = 0; k < orbitTokens.length; k++) {
      baseMass[k] = base == null ? Float.NaN : base[orbitTokens[k]];
      fairMass[k] = fair.probs()[orbitTokens[k]];
    }
    boolean topTie = TokenRanking.tiedAtMax(fair.probs()) > 1;
    return new StepAudit(step, baseToken, chosenToken, baseToken != chosenToken, topTie, baseMean, baseMax, fairMean,
        fairMax, error, checked, baseMass, fairMass);
  }

  /** M(x) when this step ran it, else null (symsample, except at a first step with counterfactuals). */
  private float[] baseRow(int[] rowOfVariant, RowOutputs rows) {
    int base = plan.baseVariant();
    return base >= 0 && rowOfVariant[base] >= 0 ? rows.probs(rowOfVariant[base]) : null;
  }

  private static double[] nan(int n) {
    double[] out = new double[n];
    java.util.Arrays.fill(out, Double.NaN);
    return out;
  }

  /**
   * TV(M(x'), g^-1 . M(g x')) = 1/2 sum_t |M(x')[t] - M(g x')[g t]|; NaN when this step did not run
   * both (none; symsample after its first step, or without counterfactuals).
   */
  private double baseDisparity(int factor, GroupElement g, int[] rowOfVariant, RowOutputs rows) {
    if (plan.method() == FairnessMethod.NONE) {
      return Double.NaN;
    }
    int branch = plan.counterfactualBranch(factor);
    GroupElement identity = GroupElement.identity(group.factorCount());
    int referenceVariant = plan.variantOf(branch, identity);
    int counterfactualVariant = plan.variantOf(branch, group.inverse(g)); // runs (g^-1)^-1 x' = g x'
    if (referenceVariant < 0 || counterfactualVariant < 0 || rowOfVariant[referenceVariant] < 0
        || rowOfVariant[counterfactualVariant] < 0) {
      return Double.NaN;
    }
    int referenceRow = rowOfVariant[referenceVariant];
    int counterfactualRow = rowOfVariant[counterfactualVariant];
    float[] reference = rows.probs(referenceRow);
    float[] counterfactual = rows.probs(counterfactualRow);
    double sum = referenceRow != counterfactualRow ? l1Distance(reference, counterfactual) : 0;
    // (same row: x' has no word of this group, so only the orbit tokens differ)
    // Orbit tokens pair t with g(t) instead of t with t.
    for (int token : orbitTokens) {
      sum -= Math.abs(reference[token] - counterfactual[token]);
      sum += Math.abs(reference[token] - counterfactual[group.act(g, token)]);
    }
    return sum / 2;
  }

  /**
   * sum_t |a[t] - b[t]| over the whole vocabulary, in four running sums: one sum waits on the
   * previous addition at every token, four independent ones do not (several passes of 50,257
   * tokens per request per step).
   */
  static double l1Distance(float[] a, float[] b) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int t = 0;
    for (; t + 3 < a.length; t += 4) {
      s0 += Math.abs(a[t] - b[t]);
      s1 += Math.abs(a[t + 1] - b[t + 1]);
      s2 += Math.abs(a[t + 2] - b[t + 2]);
      s3 += Math.abs(a[t + 3] - b[t + 3]);
    }
    for (; t < a.length; t++) {
      s0 += Math.abs(a[t] - b[t]);
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** TV(p(x), g^-1 . p(g x)) from the same rows: the variant (b, h) of g x runs the variant (b, g_b^-1 h) of x. */
  private double fairDisparity(int c, GroupElement g, int[] rowOfVariant, RowOutputs rows, FairResult fair) {
    int[] rowOfVariantGx = rowOfVariant.clone();
    for (int v = 0; v < rowOfVariant.length; v++) {
      var variant = plan.variants().get(v);
      if (variant.branch() < 0) {
        continue;
      }
      GroupElement gBranch = plan.restrictToBranch(variant.branch(), g);
      int source = plan.variantOf(variant.branch(), group.compose(group.inverse(gBranch), variant.element()));
      rowOfVariantGx[v] = rowOfVariant[source];
    }
    double[] gx = distribution.orbitProbabilities(rowOfVariantGx, rows, fair);
    double sum = 0;
    double orbitMass = 0;
    for (int k = 0; k < orbitTokens.length; k++) {
      double px = fair.probs()[orbitTokens[k]];
      orbitMass += px;
      sum += Math.abs(px - gx[checkedIndex[c][k]]);
    }
    if (distribution.aggregation() == io.equistream.equivariance.Aggregation.LOGITS) {
      // Tokens outside the orbits share one normalizer; a different normalizer scales all of them.
      double gxOrbitMass = 0;
      for (double value : gx) {
        gxOrbitMass += value;
      }
      sum += Math.abs((1 - orbitMass) - (1 - gxOrbitMass));
    }
    return sum / 2;
  }
}
