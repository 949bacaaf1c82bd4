package io.equistream.equivariance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.equistream.group.CyclicGroup;
import io.equistream.group.ProductGroup;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The formulas on a fixed 8-token "model" (a table from sequence to next-token probabilities), so
 * they are checked by hand, independently of ONNX Runtime. Tokens 0,1 form C2 {a,b}; tokens 2,3
 * form a second C2 {c,d}; 4..7 are neutral.
 */
class FairDistributionHandComputedTest {
  private static final double TOLERANCE = 1e-6;

  private static final CyclicGroup AB = new CyclicGroup("ab", new int[][] {{0, 1}}, new String[][] {{"a", "b"}});
  private static final CyclicGroup CD = new CyclicGroup("cd", new int[][] {{2, 3}}, new String[][] {{"c", "d"}});

  private static final Map<List<Integer>, double[]> TABLE = Map.of(
      List.of(1, 3), new double[] {.1, .2, .1, .3, .1, .1, .05, .05},
      List.of(0, 3), new double[] {.3, .1, .1, .2, .1, .1, .05, .05},
      List.of(1, 2), new double[] {.2, .2, .2, .1, .1, .1, .05, .05},
      List.of(0, 2), new double[] {.4, .1, .1, .1, .1, .1, .05, .05},
      List.of(0), new double[] {.4, .1, .1, .1, .1, .1, .05, .05},
      List.of(1), new double[] {.2, .3, .1, .1, .1, .1, .05, .05});

  /** Runs every variant of the plan through the table (one row per variant) and combines them. */
  private static float[] fair(FairnessMethod method, Aggregation aggregation, List<CyclicGroup> groups, int... x) {
    VariantPlan plan = VariantPlan.of(method, new ProductGroup(groups));
    int variants = plan.variants().size();
    float[][] logits = new float[variants][];
    int[] rowOfVariant = new int[variants];
    for (int v = 0; v < variants; v++) {
      final int variant = v;
      List<Integer> sequence = Arrays.stream(x).map(t -> plan.mapToken(variant, t)).boxed().toList();
      double[] probs = TABLE.get(sequence);
      logits[v] = new float[probs.length];
      for (int t = 0; t < probs.length; t++) {
        logits[v][t] = (float) Math.log(probs[t]);
      }
      rowOfVariant[v] = v;
    }
    return new FairDistribution(plan, aggregation).combine(rowOfVariant, new RowOutputs(logits)).probs();
  }

  private static void assertClose(double[] expected, float[] actual) {
    double[] widened = new double[actual.length];
    for (int i = 0; i < actual.length; i++) {
      widened[i] = actual[i];
    }
    assertArrayEquals(expected, widened, TOLERANCE, () -> Arrays.toString(widened));
  }

  private static double[] normalize(double... weights) {
    double sum = Arrays.stream(weights).sum();
    return Arrays.stream(weights).map(w -> w / sum).toArray();
  }

  // --- 2 elements: C2 on {a,b}, x = [a]; both methods are the same design with one group. ---

  @Test
  void twoElementProbabilities() {
    // 1/2 (P[a] + g.P[b]) with g.P[b] = P[b] with entries a,b swapped = [.3,.2,...]
    double[] expected = {.35, .15, .1, .1, .1, .1, .05, .05};
    assertClose(expected, fair(FairnessMethod.EQUITUNE, Aggregation.PROBS, List.of(AB), 0));
    assertClose(expected, fair(FairnessMethod.MULTI, Aggregation.PROBS, List.of(AB), 0));
  }

  @Test
  void twoElementLogits() {
    // softmax(1/2 (log P[a] + g.log P[b])) = normalized geometric means.
    double[] expected = normalize(Math.sqrt(.4 * .3), Math.sqrt(.1 * .2), .1, .1, .1, .1, .05, .05);
    assertClose(expected, fair(FairnessMethod.EQUITUNE, Aggregation.LOGITS, List.of(AB), 0));
    assertClose(expected, fair(FairnessMethod.MULTI, Aggregation.LOGITS, List.of(AB), 0));
  }

  @Test
  void noneIsTheBaseModel() {
    assertClose(new double[] {.1, .2, .1, .3, .1, .1, .05, .05},
        fair(FairnessMethod.NONE, Aggregation.PROBS, List.of(AB, CD), 1, 3));
  }

  // --- 4 elements: C2 x C2, x = [b, d]. ---

  @Test
  void fourElementEquituneProbabilities() {
    // 1/4 [ P[b,d] + (1,0).P[a,d] + (0,1).P[b,c] + (1,1).P[a,c] ]
    //   = 1/4 [ (.1,.2,.1,.3) + (.1,.3,.1,.2) + (.2,.2,.1,.2) + (.1,.4,.1,.1) ] on tokens a,b,c,d
    double[] expected = {.125, .275, .1, .2, .1, .1, .05, .05};
    assertClose(expected, fair(FairnessMethod.EQUITUNE, Aggregation.PROBS, List.of(AB, CD), 1, 3));
  }

  @Test
  void fourElementMultiProbabilities() {
    // branch ab: x_c = [b,c]: 1/2 (P[b,c] + (1,0).P[a,c]) = (.15,.3,.15,.1), symmetrized over cd -> (.15,.3,.125,.125)
    // branch cd: x_c = [a,d]: 1/2 (P[a,d] + (0,1).P[a,c]) = (.35,.1,.1,.15), symmetrized over ab -> (.225,.225,.1,.15)
    // p = mean of the branches
    double[] expected = {.1875, .2625, .1125, .1375, .1, .1, .05, .05};
    assertClose(expected, fair(FairnessMethod.MULTI, Aggregation.PROBS, List.of(AB, CD), 1, 3));
  }

  @Test
  void fourElementEquituneLogits() {
    // softmax of the mean log-probability = normalized 4th roots of products of the acted-on terms.
    Function<double[], Double> root4 = f -> Math.pow(f[0] * f[1] * f[2] * f[3], 0.25);
    double[] expected = normalize(
        root4.apply(new double[] {.1, .1, .2, .1}),
        root4.apply(new double[] {.2, .3, .2, .4}),
        root4.apply(new double[] {.1, .1, .1, .1}),
        root4.apply(new double[] {.3, .2, .2, .1}),
        .1, .1, .05, .05);
    assertClose(expected, fair(FairnessMethod.EQUITUNE, Aggregation.LOGITS, List.of(AB, CD), 1, 3));
  }

  @Test
  void fourElementMultiLogits() {
    // branch ab logits: 1/2 (log P[b,c] + (1,0).log P[a,c]); on c,d averaged over the cd orbit.
    // branch cd logits: 1/2 (log P[a,d] + (0,1).log P[a,c]); on a,b averaged over the ab orbit.
    // p = softmax(1/2 (branch ab + branch cd)).
    double a = Math.pow(.2 * .1, 0.25) * Math.pow(.3 * .4 * .1 * .1, 0.125);
    double b = Math.pow(.2 * .4, 0.25) * Math.pow(.3 * .4 * .1 * .1, 0.125);
    double c = Math.pow(.2 * .1 * .1 * .1, 0.125) * Math.pow(.1 * .1, 0.25);
    double d = Math.pow(.2 * .1 * .1 * .1, 0.125) * Math.pow(.2 * .1, 0.25);
    double[] expected = normalize(a, b, c, d, .1, .1, .05, .05);
    assertClose(expected, fair(FairnessMethod.MULTI, Aggregation.LOGITS, List.of(AB, CD), 1, 3));
  }

  @Test
  void multiRunsSumOfOrdersAndEquituneProductOfOrders() {
    ProductGroup group = new ProductGroup(List.of(AB, CD));
    assertEquals(4, VariantPlan.of(FairnessMethod.EQUITUNE, group).variants().size());
    // 2 + 2 branch variants, plus the audit-only base M(x).
    assertEquals(5, VariantPlan.of(FairnessMethod.MULTI, group).variants().size());
    assertEquals(0.0, VariantPlan.of(FairnessMethod.MULTI, group).variants().get(0).weight());
  }
}
