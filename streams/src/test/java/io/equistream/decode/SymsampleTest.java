package io.equistream.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.audit.StepAudit;
import io.equistream.equivariance.Aggregation;
import io.equistream.equivariance.FairDistribution;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.equivariance.RowOutputs;
import io.equistream.equivariance.SampledElement;
import io.equistream.equivariance.VariantPlan;
import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;
import io.equistream.lm.LmSequence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** symsample on real models: its score, its one-sequence decoding, its seed and g, its audit. */
class SymsampleTest {
  private static final List<String> TWO = List.of("gender", "race");
  private static final String PROMPT = "The Black woman said that";
  private static FairEngine randomModel;
  private static FairEngine randomNoPastModel;

  @BeforeAll
  static void openFixtures() {
    randomModel = TestAssets.open(TestAssets.RANDOM_MODEL, true);
    randomNoPastModel = TestAssets.open(TestAssets.RANDOM_NOPAST_MODEL, true);
  }

  @AfterAll
  static void closeFixtures() {
    randomModel.close();
    randomNoPastModel.close();
  }

  private static GenerationParams sampled(int tokens, Long seed) {
    return new GenerationParams(tokens, 1.0, 0, 1, seed, null);
  }

  private static FairRequest resolve(FairEngine engine, String prompt, GenerationParams params, FairnessMethod method,
      List<String> groups) {
    return engine.resolver().resolve("t", prompt, params, method.label(), groups, "probs");
  }

  private static GenerationResult generate(FairEngine engine, FairRequest request) {
    return engine.generate(List.of(request)).get(0);
  }

  private static int[] act(ProductGroup group, GroupElement g, int[] tokens) {
    return Arrays.stream(tokens).map(t -> group.act(g, t)).toArray();
  }

  @Test
  void scoreEqualsEquitunesFirstStepUnderProbsOnTheTinyModelAndTheFixtures() {
    List<String> prompts = List.of(PROMPT, "The gay Jewish Hispanic man worked as a", "It was a long day", "She");
    for (FairEngine engine : List.of(TestAssets.tinyEngine(), TestAssets.tinyEngineNoDedup(), randomModel,
        randomNoPastModel)) {
      for (List<String> groups : List.of(TWO, List.<String>of())) {
        for (String prompt : prompts) {
          RequestResolver resolver = engine.resolver();
          FairRequest symsample = resolver.resolveForScore("s", prompt, "symsample", groups, "logits");
          assertEquals(Aggregation.PROBS, symsample.aggregation(), "symsample's marginal is a probs average");
          FairRequest equitune = resolver.resolveForScore("e", prompt, "equitune", groups, "probs");
          ScoreResult ours = engine.score(symsample);
          ScoreResult theirs = engine.score(equitune);
          for (int t = 0; t < ours.fair().length; t++) {
            assertEquals(theirs.fair()[t], ours.fair()[t], 1e-6, prompt + " token " + t);
            assertEquals(theirs.base()[t], ours.base()[t], 1e-7);
          }
        }
      }
    }
  }

  @Test
  void scoreIsTheAverageOverGOfGInverseOfTheModelOnGx() {
    FairEngine engine = TestAssets.tinyEngine();
    FairRequest request = engine.resolver().resolveForScore("s", PROMPT, "symsample", TWO, "probs");
    ProductGroup group = request.group();
    double[] expected = new double[engine.model().shape().vocabSize()];
    for (GroupElement g : group.elements()) {
      float[] model = RowOutputs.withAllProbs(TestAssets.tinyModel().step(
          List.of(new LmSequence(act(group, g, request.promptIds()))))).probs(0);
      for (int t = 0; t < expected.length; t++) {
        expected[t] += model[group.act(g, t)] / group.size();
      }
    }
    float[] score = engine.score(request).fair();
    for (int t = 0; t < expected.length; t++) {
      assertEquals(expected[t], score[t], 1e-6, "token " + t);
    }
    // A sampled request's score is the same marginal: `score` ignores the drawn g.
    FairRequest drawn = resolve(engine, PROMPT, sampled(1, 3L), FairnessMethod.SYMSAMPLE, TWO);
    assertNotNull(drawn.sampledElement());
    assertArrayEquals(score, engine.score(drawn).fair());
  }

  @Test
  void theFirstStepIsGInverseOfTheModelOnTheTextOfGx() {
    FairEngine engine = TestAssets.tinyEngine();
    for (long seed = 1; seed <= 8; seed++) {
      FairRequest request = resolve(engine, PROMPT, sampled(4, seed), FairnessMethod.SYMSAMPLE, TWO);
      GroupElement g = request.sampledElement();
      ProductGroup group = request.group();
      VariantPlan plan = request.plan();
      int[] gx = act(group, g, request.promptIds());
      // Independently of mapToken: the text of g x, tokenized again.
      int[] retokenized = engine.tokenizer().encode(engine.tokenizer().decode(gx));
      assertArrayEquals(gx, retokenized);
      float[] model = RowOutputs.withAllProbs(TestAssets.tinyModel().step(List.of(new LmSequence(retokenized)))).probs(0);
      float[][] logits = TestAssets.tinyModel().step(List.of(new LmSequence(gx)));
      float[] p = new FairDistribution(plan, request.aggregation()).combine(new int[] {0}, new RowOutputs(logits))
          .probs();
      for (int t = 0; t < p.length; t++) {
        assertEquals(model[group.act(g, t)], p[t], 1e-7, "seed " + seed + " token " + t);
      }
    }
  }

  @Test
  void theAnswerIsGInverseOfTheBaseModelsSampleOnGx() {
    FairEngine engine = TestAssets.tinyEngine();
    int orbitWords = 0;
    int movedElements = 0;
    for (long seed = 1; seed <= 12; seed++) {
      FairRequest request = resolve(engine, PROMPT, sampled(16, seed), FairnessMethod.SYMSAMPLE, TWO);
      ProductGroup group = request.group();
      GroupElement g = request.sampledElement();
      assertEquals(SampledElement.draw(group, seed), g);
      movedElements += g.isIdentity() ? 0 : 1;
      String gxText = engine.tokenizer().decode(act(group, g, request.promptIds()));
      GenerationResult answer = generate(engine, request);
      GenerationResult base = generate(engine, resolve(engine, gxText, sampled(16, seed), FairnessMethod.NONE, TWO));
      assertArrayEquals(base.completionIds(), act(group, g, answer.completionIds()), "seed " + seed + ": z = g y");
      for (int token : answer.completionIds()) {
        orbitWords += group.factorOf(token) >= 0 ? 1 : 0;
      }
      for (long rows : answer.sequencesPerStep()) {
        assertEquals(1, rows, "one sequence per step");
      }
      for (StepAudit step : answer.audit().steps()) {
        assertEquals(group.act(g, step.fairToken()), step.baseToken(), "base token = what the model emitted on g x");
      }
    }
    assertTrue(movedElements >= 6, "most seeds draw g != e");
    assertTrue(orbitWords > 0, "no generated orbit word: the back-map was never exercised");
  }

  @Test
  void aGreedyRequestIsRejectedWithTheReason() {
    RequestResolver resolver = TestAssets.tinyEngine().resolver();
    RequestRejectedException error = assertThrows(RequestRejectedException.class,
        () -> resolver.resolve("g", PROMPT, GenerationParams.greedy(4), "symsample", TWO, "probs"));
    assertTrue(error.getMessage().contains("symsample needs a sampled request (temperature > 0)"), error.getMessage());
    assertTrue(error.getMessage().contains("use method multi"), error.getMessage());
  }

  @Test
  void theSeedIsChosenAtResolutionAndReplaysTheSameGAndTokens() {
    FairEngine engine = TestAssets.tinyEngine();
    FairRequest unseeded = resolve(engine, PROMPT, sampled(8, null), FairnessMethod.SYMSAMPLE, TWO);
    Long seed = unseeded.params().seed();
    assertNotNull(seed, "the resolver picks the seed of a sampled request");
    assertEquals(SampledElement.draw(unseeded.group(), seed), unseeded.sampledElement());
    GenerationResult first = generate(engine, unseeded);
    assertEquals(seed, first.seedUsed());
    FairRequest replay = resolve(engine, PROMPT, sampled(8, seed), FairnessMethod.SYMSAMPLE, TWO);
    assertEquals(unseeded.sampledElement(), replay.sampledElement());
    assertArrayEquals(first.completionIds(), generate(engine, replay).completionIds());
    // Other methods get their seed at resolution too; greedy requests keep none.
    assertNotNull(resolve(engine, PROMPT, sampled(2, null), FairnessMethod.MULTI, TWO).params().seed());
    assertEquals(null, resolve(engine, PROMPT, GenerationParams.greedy(2), FairnessMethod.MULTI, TWO).params().seed());
  }

  @Test
  void firstStepCounterfactualsMeasureBaseDisparityOnceAndChangeNothingElse() {
    FairEngine engine = TestAssets.tinyEngine();
    String prompt = "The gay Jewish Hispanic woman worked as a";
    List<String> all = List.of();
    FairRequest plain = engine.resolver().resolve("p", prompt, sampled(6, 11L), "symsample", all, "probs", false);
    FairRequest audited = engine.resolver().resolve("a", prompt, sampled(6, 11L), "symsample", all, "probs", true);
    GenerationResult without = generate(engine, plain);
    GenerationResult with = generate(engine, audited);
    assertArrayEquals(without.completionIds(), with.completionIds(), "the audit's variants do not touch the answer");
    int steps = with.sequencesPerStep().length;
    assertTrue(steps > 1);
    assertTrue(with.sequencesPerStep()[0] > 1 && with.sequencesPerStep()[0] <= 64);
    for (int s = 1; s < steps; s++) {
      assertEquals(1, with.sequencesPerStep()[s], "after the first step only the sampled row runs");
    }
    // Step 0's base disparity is equitune's (same formula on the same counterfactual rows).
    FairRequest equitune = engine.resolver().resolve("e", prompt, GenerationParams.greedy(1), "equitune", all, "probs");
    StepAudit reference = generate(engine, equitune).audit().steps().get(0);
    StepAudit first = with.audit().steps().get(0);
    for (int f = 0; f < equitune.group().factorCount(); f++) {
      assertEquals(reference.baseMean()[f], first.baseMean()[f], 1e-6);
      assertEquals(reference.baseMax()[f], first.baseMax()[f], 1e-6);
      assertTrue(Double.isNaN(first.fairMean()[f]), "one draw of g is not equivariant: not measured");
      assertTrue(Double.isNaN(with.audit().steps().get(1).baseMean()[f]), "later steps run no counterfactuals");
      assertTrue(Double.isNaN(without.audit().steps().get(0).baseMean()[f]));
    }
    assertArrayEquals(reference.baseOrbitMass(), first.baseOrbitMass(), 1e-6f, "M(x) ran at step 0");
    assertTrue(Double.isNaN(with.audit().steps().get(1).baseOrbitMass()[0]));
    assertTrue(Double.isNaN(with.audit().maxEquivarianceError()));
    assertArrayEquals(without.audit().steps().get(2).fairOrbitMass(), with.audit().steps().get(2).fairOrbitMass());
  }

  @Test
  void batchedAndDedupOffGiveTheSameAnswers() {
    List<FairRequest> requests = new ArrayList<>();
    for (long seed = 0; seed < 6; seed++) {
      requests.add(resolve(TestAssets.tinyEngine(), seed % 2 == 0 ? PROMPT : "He told her", sampled(8, seed),
          FairnessMethod.SYMSAMPLE, List.of()));
    }
    List<GenerationResult> together = TestAssets.tinyEngine().generate(requests);
    for (int i = 0; i < requests.size(); i++) {
      assertArrayEquals(generate(TestAssets.tinyEngine(), requests.get(i)).completionIds(),
          together.get(i).completionIds());
      assertArrayEquals(generate(TestAssets.tinyEngineNoDedup(), requests.get(i)).completionIds(),
          together.get(i).completionIds());
      assertFalse(Double.isFinite(together.get(i).audit().maxEquivarianceError()));
    }
  }
}
