package io.equistream.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.lm.ModelOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine's memory budget, on the real (random-weight) model: requests admitted while they fit;
 * when generated orbit words fork their rows past the budget, the youngest go back to the queue,
 * are prefilled again later, and answer exactly as they would have with room to spare.
 */
class EngineMemoryTest {
  private static FairEngine engine(long budgetBytes) {
    EngineSettings settings = EngineSettings.defaults(true).withMemoryBytes(budgetBytes);
    return FairEngine.open(TestAssets.RANDOM_MODEL, TestAssets.GROUPS, ModelOptions.defaults().withThreads(2, 1),
        settings, RequestLimits.defaults(), StepListener.NONE);
  }

  /** Prompts without orbit words (one row each at first), sampled long enough to generate orbit words. */
  private static List<FairRequest> requests(FairEngine engine) {
    List<FairRequest> requests = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      requests.add(engine.resolver().resolve("m" + i, "A person " + i + " went to the", new GenerationParams(64, 1.5,
          0, 1, 100L + i, null), "multi", List.of(), "probs"));
    }
    return requests;
  }

  @Test
  void forksPastTheBudgetPreemptTheYoungestAndAnswersStayTheSame() {
    List<GenerationResult> roomy;
    try (FairEngine big = engine(1L << 30)) {
      roomy = big.generate(requests(big));
      assertEquals(0, big.stats().preemptions());
    }
    long forks = roomy.stream().filter(r -> java.util.Arrays.stream(r.sequencesPerStep()).max().orElse(1) > 1).count();
    assertTrue(forks >= 3, "the random model generated orbit words in only " + forks + " of 8 answers");
    try (FairEngine tight = engine(tightBudget())) {
      List<GenerationResult> squeezed = tight.generate(requests(tight));
      assertTrue(tight.stats().preemptions() > 0, "no request was preempted");
      for (int i = 0; i < roomy.size(); i++) {
        assertArrayEquals(roomy.get(i).completionIds(), squeezed.get(i).completionIds(), "request " + i);
      }
    }
  }

  @Test
  void aRequestThatCanNeverFitIsRefusedWithBothSizes() {
    try (FairEngine tight = engine(tightBudget())) {
      FairRequest huge = tight.resolver().resolve("huge", "The Black Muslim woman who is gay", GenerationParams.greedy(
          100), "equitune", List.of(), "probs");
      String problem = tight.admissionProblem(huge);
      assertTrue(problem != null && problem.contains("rows x") && problem.contains("memory budget is"), problem);
    }
  }

  /**
   * Room for all eight requests with one row each, and for any one of them with every variant (13
   * rows for multi over the four groups), but not for all of them forked: the fixed scratch (one
   * prefill chunk's all-position logits, about 52 MB on this graph) plus 5 MB.
   */
  private static long tightBudget() {
    return 52L * (1 << 20) + 5L * (1 << 20);
  }
}
