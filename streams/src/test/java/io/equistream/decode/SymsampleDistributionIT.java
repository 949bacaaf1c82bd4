package io.equistream.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.ChiSquare;
import io.equistream.TestAssets;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;
import io.equistream.lm.ModelOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * symsample's guarantee, empirically: on the tiny model, for x with words of two groups and h in
 * G = gender x race, the 2-token answers to x over 20,000 seeds have the same distribution as
 * h^-1 applied to the answers to h x over 20,000 other seeds (two-sample chi-square, categories
 * with fewer than 20 pooled answers merged, significance 0.001). The same test on `none` must
 * reject (the negative control: the tiny model treats "woman" and "man" differently). Seeds are
 * fixed, so the outcome is deterministic; requests go through the generator 250 at a time.
 */
class SymsampleDistributionIT {
  private static final String X = "The Black woman";
  private static final List<String> GROUPS = List.of("gender", "race");
  private static final int SAMPLES = 20_000;
  private static final int BATCH = 250;
  private static final double SIGNIFICANCE = 0.001;
  private static final long MIN_POOLED = 20;

  /** The tiny model with room for a whole batch at once (the default engine runs 64 requests at a time). */
  private static FairEngine engine;

  @BeforeAll
  static void open() {
    EngineSettings wide = new EngineSettings(true, BATCH, 4 * BATCH, 4 * BATCH * 8, EngineSettings.defaults(true)
        .memoryBytes(), BATCH, 0, true);
    engine = FairEngine.open(TestAssets.TINY_MODEL, TestAssets.GROUPS, ModelOptions.defaults().withThreads(2, 1), wide,
        RequestLimits.defaults(), StepListener.NONE);
  }

  @AfterAll
  static void close() {
    engine.close();
  }

  private static GenerationParams params(long seed) {
    return new GenerationParams(2, 1.0, 5, 1, seed, null);
  }

  /** Answer token ids (h^-1 applied) -> count, over seeds [firstSeed, firstSeed + SAMPLES). */
  private static Map<List<Integer>, Long> answers(FairnessMethod method, String prompt, GroupElement mapBack,
      long firstSeed) {
    ProductGroup group = engine.catalog().select(GROUPS);
    Map<List<Integer>, Long> counts = new HashMap<>();
    for (int from = 0; from < SAMPLES; from += BATCH) {
      List<FairRequest> batch = new ArrayList<>(BATCH);
      for (int i = from; i < from + BATCH; i++) {
        batch.add(engine.resolver().resolve("d" + i, prompt, params(firstSeed + i), method.label(), GROUPS, "probs"));
      }
      for (GenerationResult result : engine.generate(batch)) {
        List<Integer> answer = Arrays.stream(result.completionIds()).map(t -> group.act(mapBack, t)).boxed().toList();
        counts.merge(answer, 1L, Long::sum);
      }
    }
    return counts;
  }

  private static ChiSquare.Result compare(FairnessMethod method) {
    ProductGroup group = engine.catalog().select(GROUPS);
    GroupElement h = new GroupElement(new int[] {1, 1}); // woman -> man, Black -> White
    int[] x = engine.tokenizer().encode(X);
    String hx = engine.tokenizer().decode(Arrays.stream(x).map(t -> group.act(h, t)).toArray());
    assertEquals("The White man", hx);
    Map<List<Integer>, Long> direct = answers(method, X, GroupElement.identity(2), 0);
    Map<List<Integer>, Long> mapped = answers(method, hx, group.inverse(h), SAMPLES);
    ChiSquare.Result result = ChiSquare.homogeneity(direct, mapped, MIN_POOLED);
    System.err.printf("%s: chi2 %.1f, df %d, p %.3g (%d categories, %d rare ones pooled)%n", method.label(),
        result.statistic(), result.degreesOfFreedom(), result.pValue(), result.categories(), result.pooledIntoOther());
    assertTrue(result.categories() >= 20, "too few categories for a meaningful test: " + result);
    return result;
  }

  @Test
  void symsampleAnswersToHxAreHOfItsAnswersToXInDistribution() {
    long started = System.nanoTime();
    ChiSquare.Result symsample = compare(FairnessMethod.SYMSAMPLE);
    assertTrue(symsample.pValue() >= SIGNIFICANCE, "symsample rejected at " + SIGNIFICANCE + ": " + symsample);
    ChiSquare.Result none = compare(FairnessMethod.NONE);
    assertTrue(none.pValue() < SIGNIFICANCE, "the negative control (none) was not rejected: " + none);
    System.err.printf("distribution test: %.1f s for %d answers%n", (System.nanoTime() - started) / 1e9, 4 * SAMPLES);
  }
}
