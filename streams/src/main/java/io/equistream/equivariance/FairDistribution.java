package io.equistream.equivariance;

import io.equistream.group.CyclicGroup;
import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * The fair next-token distribution. With f = softmax (aggregate=probs) or f = identity followed by
 * one softmax at the end (aggregate=logits), and (g.q)[g(t)] = q[t]:
 *
 * <pre>
 *   equitune  p(x) = 1/|G| sum_{g in G} g . f(M(g^-1 x))
 *   multi     p(x) = 1/N sum_i Sym_{j != i} ( 1/|Gi| sum_{g in Gi} g . f(M(g^-1 c_{-i}(x))) )
 *             Sym_j q = 1/|Gj| sum_{h in Gj} h . q      (= q averaged over each Gj orbit)
 *   none      p(x) = f(M(x))
 *   symsample p(x) = g^-1 . M(g x)  for the request's drawn g (below)
 * </pre>
 *
 * c_{-i} maps the other groups' words to their orbit[0]. Every g fixes the tokens outside the
 * orbits, so there p is just the weighted mix sum_v w_v f(M_v)[t] (one pass per distinct row);
 * only the few orbit tokens need the group action and the symmetrization.
 *
 * <p>symsample: one g drawn uniformly from G by the request's seed ({@link SampledElement}), then
 *
 * <pre>
 *   symsample p_g(x) = g^-1 . M(g x)        one variant, element g^-1, weight 1    cost 1 sequence
 *
 *   the row runs g x and gets every chosen y_t appended as g y_t, so it holds g (x, y_&lt;t):
 *   P(y | x, g) = prod_t M(g y_t | g x, g y_&lt;t) = M(g y | g x)    (answer y = g^-1 z, z ~ M(. | g x))
 *   P(y | x)    = 1/|G| sum_g M(g y | g x)
 *   P(h y | h x) = 1/|G| sum_g M(g h y | g h x) = 1/|G| sum_g' M(g' y | g' x) = P(y | x)   (g' = g h)
 *   first step: P(y_1 | x) = 1/|G| sum_g (g^-1 . M(g x))[y_1] = equitune's p(x) under probs
 *               (reindex g -> g^-1); `score` returns this marginal.
 * </pre>
 *
 * So the answer's law is exactly equivariant; one answer is one sample and is not. It is not
 * equitune's per-step average (that symmetrizes each step, this the whole answer's law); the two
 * agree on the first token. Temperature, top-k and top-p depend only on the values of p, so they
 * commute with g^-1 and M may be read as the sampling-transformed model (except at an exact tie on
 * the top-k/top-p cut, where the lowest id wins). With one variant, probs and logits aggregation
 * give the same p; symsample reports probs. EOS and every non-orbit token are fixed by G; a stop
 * string is text, on which G does not act, so with one the guarantee is for the unstopped answer.
 */
public final class FairDistribution {
  private final VariantPlan plan;
  private final Aggregation aggregation;
  private final int[] orbitTokens;
  /** sourceToken[v][k] = g_v^-1(orbitTokens[k]): (g.q)[u] = q[g^-1 u]. */
  private final int[][] sourceToken;
  /** orbitsOfFactor[f] = each orbit of factor f as indices into orbitTokens. */
  private final int[][][] orbitsOfFactor;

  public FairDistribution(VariantPlan plan, Aggregation aggregation) {
    this.plan = plan;
    this.aggregation = aggregation;
    ProductGroup group = plan.group();
    List<Integer> tokens = new ArrayList<>();
    orbitsOfFactor = new int[group.factorCount()][][];
    for (int f = 0; f < group.factorCount(); f++) {
      CyclicGroup factor = group.factors().get(f);
      orbitsOfFactor[f] = new int[factor.orbitCount()][];
      for (int o = 0; o < factor.orbitCount(); o++) {
        int[] orbit = factor.orbit(o);
        orbitsOfFactor[f][o] = new int[orbit.length];
        for (int p = 0; p < orbit.length; p++) {
          orbitsOfFactor[f][o][p] = tokens.size();
          tokens.add(orbit[p]);
        }
      }
    }
    orbitTokens = tokens.stream().mapToInt(Integer::intValue).toArray();
    sourceToken = new int[plan.variants().size()][orbitTokens.length];
    for (int v = 0; v < plan.variants().size(); v++) {
      GroupElement inverse = group.inverse(plan.variants().get(v).element());
      for (int k = 0; k < orbitTokens.length; k++) {
        sourceToken[v][k] = group.act(inverse, orbitTokens[k]);
      }
    }
  }

  public VariantPlan plan() {
    return plan;
  }

  public Aggregation aggregation() {
    return aggregation;
  }

  /** The orbit tokens of the selected groups, factor by factor, orbit by orbit. */
  public int[] orbitTokens() {
    return orbitTokens.clone();
  }

  /** The fair distribution given which row each variant's sequence ran as. */
  public FairResult combine(int[] rowOfVariant, RowOutputs rows) {
    double[] rowWeight = new double[rows.count()];
    for (int v = 0; v < rowOfVariant.length; v++) {
      if (rowOfVariant[v] >= 0) { // -1: a first-step-only variant after the first step
        rowWeight[rowOfVariant[v]] += plan.variants().get(v).weight();
      }
    }
    float[] mixed = new float[rows.vocabSize()];
    for (int r = 0; r < rows.count(); r++) {
      if (rowWeight[r] != 0) {
        float weight = (float) rowWeight[r];
        float[] values = values(rows, r);
        for (int t = 0; t < mixed.length; t++) {
          mixed[t] += weight * values[t];
        }
      }
    }
    double[] orbit = orbitValues(rowOfVariant, rows);
    for (int k = 0; k < orbitTokens.length; k++) {
      mixed[orbitTokens[k]] = (float) orbit[k];
    }
    if (aggregation == Aggregation.PROBS) {
      return new FairResult(mixed, orbit, 0, 1);
    }
    Softmax.Shifted softmax = Softmax.shifted(mixed);
    return new FairResult(softmax.probs(), orbit, softmax.max(), softmax.normalizer());
  }

  /**
   * The fair probabilities of the orbit tokens for another assignment of rows to variants (used to
   * get p(g.x) from the rows already run); tokens outside the orbits are unchanged by construction.
   */
  public double[] orbitProbabilities(int[] rowOfVariant, RowOutputs rows, FairResult reference) {
    double[] orbit = orbitValues(rowOfVariant, rows);
    if (aggregation == Aggregation.PROBS) {
      return orbit;
    }
    double normalizer = reference.normalizer();
    for (int k = 0; k < orbitTokens.length; k++) {
      normalizer += Math.exp(orbit[k] - reference.shift()) - Math.exp(reference.orbitValues()[k] - reference.shift());
    }
    double[] probs = new double[orbit.length];
    for (int k = 0; k < orbit.length; k++) {
      probs[k] = Math.exp(orbit[k] - reference.shift()) / normalizer;
    }
    return probs;
  }

  /** p restricted to the orbit tokens: each branch's g-weighted mix, symmetrized, summed. */
  private double[] orbitValues(int[] rowOfVariant, RowOutputs rows) {
    double[] total = new double[orbitTokens.length];
    for (int b = 0; b < plan.branches().size(); b++) {
      double[] branch = new double[orbitTokens.length];
      for (int v = 0; v < rowOfVariant.length; v++) {
        Variant variant = plan.variants().get(v);
        if (variant.branch() != b || rowOfVariant[v] < 0) {
          continue;
        }
        float[] values = values(rows, rowOfVariant[v]);
        for (int k = 0; k < orbitTokens.length; k++) {
          branch[k] += variant.weight() * values[sourceToken[v][k]];
        }
      }
      for (int factor : plan.branches().get(b).symmetrizeOver()) {
        for (int[] orbit : orbitsOfFactor[factor]) {
          double mean = 0;
          for (int k : orbit) {
            mean += branch[k];
          }
          mean /= orbit.length;
          for (int k : orbit) {
            branch[k] = mean;
          }
        }
      }
      for (int k = 0; k < orbitTokens.length; k++) {
        total[k] += branch[k];
      }
    }
    return total;
  }

  private float[] values(RowOutputs rows, int row) {
    return aggregation == Aggregation.PROBS ? rows.probs(row) : rows.logits(row);
  }
}
