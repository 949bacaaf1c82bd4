package io.equistream.equivariance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.ChiSquare;
import io.equistream.TestAssets;
import io.equistream.group.CyclicGroup;
import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * symsample's plan and g on a fixed 8-token "model" (a table from sequence to next-token
 * probabilities, as in FairDistributionHandComputedTest): tokens 0,1 form C2 {a,b}, tokens 4,5,6
 * form C3 {e,f,h} (so g and g^-1 differ), 2, 3 and 7 are neutral. In this code base a variant with
 * element e runs e^-1 x and contributes e . M(e^-1 x), so symsample's variant for g has element
 * g^-1 and gives g^-1 . M(g x).
 */
class SymsampleMathTest {
  private static final CyclicGroup AB = new CyclicGroup("ab", new int[][] {{0, 1}}, new String[][] {{"a", "b"}});
  private static final CyclicGroup EFH = new CyclicGroup("efh", new int[][] {{4, 5, 6}},
      new String[][] {{"e", "f", "h"}});
  private static final ProductGroup G = new ProductGroup(List.of(AB, EFH));
  private static final int[] X = {1, 4};

  private static final Map<List<Integer>, double[]> TABLE = Map.of(
      List.of(1, 4), new double[] {.1, .2, .1, .05, .3, .1, .1, .05},
      List.of(0, 4), new double[] {.3, .1, .1, .05, .2, .1, .1, .05},
      List.of(1, 5), new double[] {.2, .2, .2, .05, .1, .05, .15, .05},
      List.of(0, 5), new double[] {.4, .1, .1, .05, .1, .1, .1, .05},
      List.of(1, 6), new double[] {.05, .25, .1, .1, .1, .3, .05, .05},
      List.of(0, 6), new double[] {.15, .15, .05, .05, .35, .1, .1, .05});

  private static float[] logits(List<Integer> sequence) {
    double[] probs = TABLE.get(sequence);
    float[] out = new float[probs.length];
    for (int t = 0; t < probs.length; t++) {
      out[t] = (float) Math.log(probs[t]);
    }
    return out;
  }

  private static List<Integer> act(GroupElement g, int[] x) {
    return Arrays.stream(x).map(t -> G.act(g, t)).boxed().toList();
  }

  /** Every variant through the table, one row each. */
  private static float[] combine(VariantPlan plan, Aggregation aggregation) {
    int variants = plan.variants().size();
    float[][] rows = new float[variants][];
    int[] rowOfVariant = new int[variants];
    for (int v = 0; v < variants; v++) {
      final int variant = v;
      rows[v] = logits(Arrays.stream(X).map(t -> plan.mapToken(variant, t)).boxed().toList());
      rowOfVariant[v] = v;
    }
    return new FairDistribution(plan, aggregation).combine(rowOfVariant, new RowOutputs(rows)).probs();
  }

  @Test
  void theSampledPlanRunsGxAndGivesGInverseOfItsOutput() {
    for (GroupElement g : G.elements()) {
      VariantPlan plan = VariantPlan.sampled(G, g, false);
      assertEquals(1, plan.variants().size());
      Variant only = plan.variants().get(0);
      assertEquals(G.inverse(g), only.element(), "element g^-1");
      if (g.shift(1) != 0) {
        assertTrue(!g.equals(G.inverse(g)), "C3 tells g from g^-1");
      }
      assertEquals(g, only.inputElement());
      assertEquals(1.0, only.weight());
      assertEquals(-1, plan.baseVariant(), "x itself is not run");
      assertFalse(plan.stepEquivariant());
      List<Integer> gx = act(g, X);
      assertEquals(gx, Arrays.stream(X).map(t -> plan.mapToken(0, t)).boxed().toList(), "the row runs g x");
      double[] model = TABLE.get(gx);
      for (Aggregation aggregation : Aggregation.values()) {
        float[] p = combine(plan, aggregation);
        for (int t = 0; t < p.length; t++) {
          // (g^-1 . q)[t] = q[g t]
          assertEquals(model[G.act(g, t)], p[t], 1e-6, g + " " + aggregation + " token " + t);
        }
      }
    }
  }

  @Test
  void theMarginalPlanIsTheAverageOverGAndEquitunesUnderProbs() {
    double[] expected = new double[8];
    assertEquals(6, G.size());
    for (GroupElement g : G.elements()) {
      double[] model = TABLE.get(act(g, X));
      for (int t = 0; t < 8; t++) {
        expected[t] += model[G.act(g, t)] / G.size();
      }
    }
    float[] marginal = combine(VariantPlan.of(FairnessMethod.SYMSAMPLE, G), Aggregation.PROBS);
    float[] equitune = combine(VariantPlan.of(FairnessMethod.EQUITUNE, G), Aggregation.PROBS);
    for (int t = 0; t < 8; t++) {
      assertEquals(expected[t], marginal[t], 1e-6, "token " + t);
      assertEquals(equitune[t], marginal[t], 1e-7, "token " + t);
    }
    assertNull(VariantPlan.of(FairnessMethod.SYMSAMPLE, G).sampledElement());
  }

  @Test
  void counterfactualVariantsAreAuditOnlyAndFirstStepOnly() {
    GroupElement g = new GroupElement(new int[] {1, 2});
    VariantPlan plan = VariantPlan.sampled(G, g, true);
    assertEquals(1 + G.size(), plan.variants().size());
    assertFalse(plan.firstStepOnly(0));
    for (int v = 1; v < plan.variants().size(); v++) {
      assertTrue(plan.firstStepOnly(v));
      assertEquals(0.0, plan.variants().get(v).weight());
      assertEquals(-1, plan.variants().get(v).branch());
    }
    final int base = plan.baseVariant();
    assertTrue(plan.variants().get(base).element().isIdentity());
    assertEquals(List.of(1, 4), Arrays.stream(X).map(t -> plan.mapToken(base, t)).boxed().toList());
    float[] with = combine(plan, Aggregation.PROBS);
    float[] without = combine(VariantPlan.sampled(G, g, false), Aggregation.PROBS);
    for (int t = 0; t < 8; t++) {
      assertEquals(without[t], with[t], 1e-7, "weight-0 variants change nothing");
    }
  }

  @Test
  void gIsAFunctionOfTheSeedUniformAndIndependentOfTheTokenDraws() {
    ProductGroup all = TestAssets.catalog().select(List.of());
    List<GroupElement> elements = all.elements();
    assertEquals(64, elements.size());
    int seeds = 64_000;
    long[] counts = new long[elements.size()];
    Map<GroupElement, Long> lowDraw = new HashMap<>();
    Map<GroupElement, Long> highDraw = new HashMap<>();
    for (long seed = 0; seed < seeds; seed++) {
      GroupElement g = SampledElement.draw(all, seed);
      assertEquals(g, SampledElement.draw(all, seed));
      int index = (int) Long.remainderUnsigned(SampledElement.fmix64(seed), elements.size());
      assertEquals(elements.get(index), g, "g = elements()[fmix64(seed) mod |G|]");
      counts[index]++;
      // The first token draw of the same request uses new SplittableRandom(seed).
      (new SplittableRandom(seed).nextDouble() < 0.5 ? lowDraw : highDraw).merge(g, 1L, Long::sum);
    }
    double statistic = 0;
    double expected = (double) seeds / elements.size();
    for (long count : counts) {
      statistic += (count - expected) * (count - expected) / expected;
    }
    assertTrue(ChiSquare.pValue(statistic, elements.size() - 1) > 0.001, "g not uniform: chi2 " + statistic);
    ChiSquare.Result independence = ChiSquare.homogeneity(lowDraw, highDraw, 10);
    assertTrue(independence.pValue() > 0.001, "g depends on the first draw: " + independence);
  }

  @Test
  void theChiSquareHelperMatchesTables() {
    assertEquals(0.05, ChiSquare.pValue(3.841458820694124, 1), 1e-6);
    assertEquals(0.01, ChiSquare.pValue(23.209251158954356, 10), 1e-6);
    assertEquals(0.001, ChiSquare.pValue(149.4492527790389, 100), 1e-7);
    assertEquals(0.5, ChiSquare.pValue(0.454936423119572, 1), 1e-6);
  }
}
