package io.equistream.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.lm.ModelOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A short prompt that arrives behind long ones starts answering first: the engine gives short
 * prefills half of each iteration's budget (PrefillPlan). First come, first served, the short
 * request waited until every long prompt ahead of it had been prefilled (10+ iterations each here).
 */
class EnginePrefillOrderTest {
  private static final int LONG = 4;

  @Test
  void aShortPromptBehindFourLongOnesGetsItsFirstTokenFirst() throws Exception {
    EngineSettings defaults = EngineSettings.defaults(true);
    EngineSettings settings = new EngineSettings(true, defaults.maxRequests(), defaults.maxRows(), 32,
        defaults.memoryBytes(), defaults.maxWaiting(), 0, true);
    String longPrompt = "The man said that the weather was fine and the woman said that the road was long. ".repeat(16);
    try (FairEngine engine = FairEngine.open(TestAssets.TINY_MODEL, TestAssets.GROUPS,
        ModelOptions.defaults().withThreads(2, 1), settings, RequestLimits.defaults(), StepListener.NONE)) {
      List<FairRequest> requests = new ArrayList<>();
      for (int i = 0; i < LONG; i++) {
        requests.add(engine.resolver().resolve("long-" + i, i + " " + longPrompt, GenerationParams.greedy(16),
            "none", List.of(), "probs"));
      }
      requests.add(engine.resolver().resolve("short", "The woman said that", GenerationParams.greedy(16), "multi",
          List.of(), "probs"));
      assertTrue(requests.get(0).promptIds().length > 250, "long prompt: " + requests.get(0).promptIds().length);
      List<String> firstTokens = Collections.synchronizedList(new ArrayList<>());
      EngineOutcome[] outcomes = new EngineOutcome[requests.size()];
      CountDownLatch done = new CountDownLatch(requests.size());
      for (int i = 0; i < requests.size(); i++) {
        int index = i;
        String id = requests.get(i).id();
        assertTrue(engine.submit(new Submission(requests.get(i), Long.MAX_VALUE, index, new OutcomeSink() {
          @Override
          public void finished(EngineOutcome outcome) {
            outcomes[index] = outcome;
            done.countDown();
          }

          @Override
          public void progress(Submission submission, int first, int[] tokens) {
            if (first == 0) {
              firstTokens.add(id);
            }
          }
        }, true)));
      }
      assertTrue(done.await(120, TimeUnit.SECONDS), "not all answered");
      for (EngineOutcome outcome : outcomes) {
        assertTrue(outcome.ok(), outcome.failure());
        assertEquals(16, outcome.result().completionIds().length, "a full-length answer");
      }
      // The first long request may start before the short one arrives; the three others may not.
      assertTrue(firstTokens.indexOf("short") <= 1, "first tokens in order " + firstTokens);
      GenerationResult alone = engine.generate(List.of(requests.get(LONG))).get(0);
      assertArrayEquals(alone.completionIds(), outcomes[LONG].result().completionIds(), "the same answer as alone");
    }
  }
}
