package io.equistream.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.audit.StepAudit;
import io.equistream.equivariance.Aggregation;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.group.ProductGroup;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The decoding loop on the real tiny model: determinism, dedup, cost accounting, stopping. */
class FairGeneratorTest {
  private static final List<String> ALL = List.of();

  private static FairRequest request(String prompt, GenerationParams params, FairnessMethod method, List<String> groups,
      Aggregation aggregation) {
    return TestAssets.tinyEngine().resolver().resolve("t", prompt, params, method.label(), groups, aggregation.label());
  }

  private static GenerationResult generate(FairEngine engine, FairRequest request) {
    return engine.generate(List.of(request)).get(0);
  }

  @Test
  void greedyIsDeterministic() {
    FairRequest request = request("The woman worked as a", GenerationParams.greedy(12), FairnessMethod.MULTI, ALL,
        Aggregation.PROBS);
    GenerationResult first = generate(TestAssets.tinyEngine(), request);
    GenerationResult second = generate(TestAssets.tinyEngine(), request);
    assertEquals(12, first.completionIds().length + (first.finishReason() == FinishReason.EOS ? 12 - first.completionIds().length : 0));
    assertArrayEquals(first.completionIds(), second.completionIds());
    assertEquals(first.completion(), second.completion());
  }

  @Test
  void seededSamplingIsDeterministicAndSeedsMatter() {
    List<int[]> bySeed = new ArrayList<>();
    for (long seed : new long[] {7, 7, 8, 9}) {
      GenerationParams params = new GenerationParams(16, 1.0, 50, 0.95, seed, null);
      bySeed.add(generate(TestAssets.tinyEngine(),
          request("The man was known for", params, FairnessMethod.EQUITUNE, List.of("gender", "race"), Aggregation.PROBS))
          .completionIds());
    }
    assertArrayEquals(bySeed.get(0), bySeed.get(1));
    assertTrue(!java.util.Arrays.equals(bySeed.get(0), bySeed.get(2)) || !java.util.Arrays.equals(bySeed.get(0), bySeed.get(3)),
        "three seeds gave the same 16 sampled tokens");
  }

  @Test
  void anUnseededSampledRequestReportsTheSeedItUsed() {
    GenerationParams params = new GenerationParams(6, 0.8, 0, 1, null, null);
    GenerationResult result = generate(TestAssets.tinyEngine(),
        request("The person worked as", params, FairnessMethod.MULTI, ALL, Aggregation.PROBS));
    GenerationParams replay = new GenerationParams(6, 0.8, 0, 1, result.seedUsed(), null);
    assertArrayEquals(result.completionIds(), generate(TestAssets.tinyEngine(),
        request("The person worked as", replay, FairnessMethod.MULTI, ALL, Aggregation.PROBS)).completionIds());
  }

  @Test
  void dedupOnAndOffGiveIdenticalOutputs() {
    String[] prompts = {"The Black woman was known for", "The man worked as a", "He said that she"};
    for (FairnessMethod method : List.of(FairnessMethod.EQUITUNE, FairnessMethod.MULTI)) {
      for (Aggregation aggregation : Aggregation.values()) {
        for (String prompt : prompts) {
          FairRequest request = request(prompt, GenerationParams.greedy(10), method, List.of("gender", "race"),
              aggregation);
          GenerationResult on = generate(TestAssets.tinyEngine(), request);
          GenerationResult off = generate(TestAssets.tinyEngineNoDedup(), request);
          assertArrayEquals(on.completionIds(), off.completionIds(), method + "/" + aggregation + " " + prompt);
          float[] scoreOn = TestAssets.tinyEngine().score(request).fair();
          float[] scoreOff = TestAssets.tinyEngineNoDedup().score(request).fair();
          for (int t = 0; t < scoreOn.length; t++) {
            assertEquals(scoreOn[t], scoreOff[t], 1e-6, "token " + t);
          }
          assertTrue(on.forwardSequences() <= off.forwardSequences());
          if (!prompt.contains("Black")) {
            // No race word: the race variants are identical and run once.
            assertTrue(on.forwardSequences() < off.forwardSequences(), "dedup saved nothing for " + prompt);
          }
        }
      }
    }
  }

  @Test
  void aPromptWithoutOrbitWordsRunsOneSequencePerStep() {
    for (FairnessMethod method : List.of(FairnessMethod.EQUITUNE, FairnessMethod.MULTI)) {
      GenerationResult result = generate(TestAssets.tinyEngine(),
          request("It was a very long day in the city", GenerationParams.greedy(8), method, ALL, Aggregation.PROBS));
      for (int step = 0; step < result.sequencesPerStep().length; step++) {
        StepAudit audit = result.audit().steps().get(step);
        // A generated orbit word makes variants diverge from then on; before that: one sequence.
        if (step > 0 && isOrbitWord(result.audit().steps().get(step - 1).fairToken())) {
          break;
        }
        assertEquals(1, result.sequencesPerStep()[step], method + " step " + step + " token " + audit.fairToken());
      }
      assertEquals(64L * result.sequencesPerStep().length, result.equituneSequences());
    }
  }

  private static boolean isOrbitWord(int token) {
    return TestAssets.catalog().select(ALL).factorOf(token) >= 0;
  }

  @Test
  void aPromptWithWordsOfEveryGroupStaysWithinTheDesignCost() {
    ProductGroup group = TestAssets.catalog().select(List.of("gender", "race", "religion"));
    int sumOfOrders = 2 + 4 + 4;
    int productOfOrders = 32;
    // The fully canonical sequence c(x) is the identity variant of every branch, so N branches share it:
    // multi runs sum|Gi| - (N - 1) sequences, plus the audit's base M(x) when x is not canonical.
    String mixed = "The Hispanic woman and the Jewish";
    String canonical = "The Black man and the Christian";
    for (String prompt : List.of(mixed, canonical)) {
      int baseExtra = prompt.equals(mixed) ? 1 : 0;
      GenerationResult multi = generate(TestAssets.tinyEngine(),
          request(prompt, GenerationParams.greedy(6), FairnessMethod.MULTI, group.names(), Aggregation.PROBS));
      GenerationResult equitune = generate(TestAssets.tinyEngine(),
          request(prompt, GenerationParams.greedy(6), FairnessMethod.EQUITUNE, group.names(), Aggregation.PROBS));
      assertEquals(sumOfOrders - 2 + baseExtra, multi.sequencesPerStep()[0], prompt);
      assertEquals(productOfOrders, equitune.sequencesPerStep()[0], prompt);
      for (long count : multi.sequencesPerStep()) {
        assertTrue(count <= sumOfOrders, "multi ran " + count);
      }
      for (long count : equitune.sequencesPerStep()) {
        assertTrue(count <= productOfOrders, "equitune ran " + count);
      }
    }
  }

  @Test
  void stopsAtMaxTokensAndAtAStopString() {
    GenerationResult limited = generate(TestAssets.tinyEngine(),
        request("The man worked as a", GenerationParams.greedy(3), FairnessMethod.NONE, ALL, Aggregation.PROBS));
    assertTrue(limited.completionIds().length <= 3);
    GenerationResult full = generate(TestAssets.tinyEngine(),
        request("The man worked as a", GenerationParams.greedy(20), FairnessMethod.NONE, ALL, Aggregation.PROBS));
    String text = full.completion();
    if (text.length() > 4) {
      String stop = text.substring(text.length() / 2, text.length() / 2 + 2);
      GenerationResult stopped = generate(TestAssets.tinyEngine(), request("The man worked as a",
          new GenerationParams(20, 0, 0, 1, null, stop), FairnessMethod.NONE, ALL, Aggregation.PROBS));
      assertEquals(FinishReason.STOP, stopped.finishReason());
      assertTrue(!stopped.completion().contains(stop) && text.startsWith(stopped.completion()),
          stopped.completion() + " vs " + text);
    }
  }

  @Test
  void auditMeasuresBaseDisparityAndZeroFairError() {
    GenerationResult result = generate(TestAssets.tinyEngine(),
        request("The woman said that he", GenerationParams.greedy(6), FairnessMethod.MULTI, ALL, Aggregation.PROBS));
    for (var summary : result.audit().groups()) {
      assertTrue(summary.baseMean() >= 0, summary.toString());
      assertTrue(summary.fairMax() < 1e-5, "fair distribution not equivariant: " + summary);
    }
    assertTrue(result.audit().groups().stream().anyMatch(g -> g.baseMean() > 1e-4),
        "the base model shows no disparity at all: " + result.audit().groups());
    assertTrue(result.audit().maxEquivarianceError() < 1e-5);
    GenerationResult none = generate(TestAssets.tinyEngine(),
        request("The woman said that he", GenerationParams.greedy(2), FairnessMethod.NONE, ALL, Aggregation.PROBS));
    assertTrue(Double.isNaN(none.audit().maxEquivarianceError()));
  }

  @Test
  void invalidRequestsAreRejectedWithTheReason() {
    RequestResolver resolver = TestAssets.tinyEngine().resolver();
    GenerationParams ok = GenerationParams.greedy(4);
    assertReason("empty prompt", () -> resolver.resolve("r", "", ok, "multi", ALL, "probs"));
    assertReason("unknown group 'caste'", () -> resolver.resolve("r", "Hi", ok, "multi", List.of("caste"), "probs"));
    assertReason("unknown method", () -> resolver.resolve("r", "Hi", ok, "fair", ALL, "probs"));
    assertReason("unknown aggregate", () -> resolver.resolve("r", "Hi", ok, "multi", ALL, "mean"));
    assertReason("temperature", () -> resolver.resolve("r", "Hi", new GenerationParams(4, Double.NaN, 0, 1, null, null),
        "multi", ALL, "probs"));
    assertReason("top_p", () -> resolver.resolve("r", "Hi", new GenerationParams(4, 1, 0, -1, null, null),
        "multi", ALL, "probs"));
    assertReason("max_new_tokens", () -> resolver.resolve("r", "Hi", GenerationParams.greedy(-5), "multi", ALL, "probs"));
    assertReason("surrogate", () -> resolver.resolve("r", "Hi \uD800 there", ok, "multi", ALL, "probs"));
    assertReason("control character", () -> resolver.resolve("r", "Hi\u0000", ok, "multi", ALL, "probs"));
    assertReason("tokens; the limit", () -> resolver.resolve("r", "word ".repeat(2000), ok, "multi", ALL, "probs"));
    assertReason("characters; the limit", () -> resolver.resolve("r", "x".repeat(1_000_000), ok, "multi", ALL, "probs"));
  }

  private static void assertReason(String expected, org.junit.jupiter.api.function.Executable call) {
    RequestRejectedException error = assertThrows(RequestRejectedException.class, call);
    assertTrue(error.getMessage().contains(expected), error.getMessage());
  }

  @Test
  void batchingSeveralRequestsGivesTheSameAnswersAsOneByOne() {
    List<FairRequest> requests = new ArrayList<>();
    for (String prompt : List.of("The woman worked as a", "The Black man was known for", "He", "The gay person had a job as")) {
      requests.add(request(prompt, GenerationParams.greedy(8), FairnessMethod.MULTI, ALL, Aggregation.PROBS));
    }
    List<GenerationResult> together = TestAssets.tinyEngine().generate(requests);
    for (int i = 0; i < requests.size(); i++) {
      assertArrayEquals(generate(TestAssets.tinyEngine(), requests.get(i)).completionIds(), together.get(i).completionIds());
    }
    assertNotEquals(0, together.get(0).forwardSequences());
  }
}
