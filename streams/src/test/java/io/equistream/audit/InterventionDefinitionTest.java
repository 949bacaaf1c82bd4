package io.equistream.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.decode.GenerationResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The intervention rate measures what fairness changed, on the real tiny model: under method none
 * the fair decoder is the base decoder, so not one step intervenes, greedy or sampled; every
 * step's base token is what the base model would have emitted with the same random draw.
 */
class InterventionDefinitionTest {
  private static final String PROMPT = "The woman worked as a";

  private static GenerationResult generate(String method, GenerationParams params) {
    FairRequest request = TestAssets.tinyEngine().resolver()
        .resolve("i", PROMPT, params, method, List.of(), "probs");
    return TestAssets.tinyEngine().generate(List.of(request)).get(0);
  }

  @Test
  void noneNeverIntervenesWhenSampling() {
    int steps = 0;
    for (long seed = 1; seed <= 6; seed++) {
      GenerationResult result = generate("none", new GenerationParams(16, 1.0, 50, 0.95, seed, null));
      AuditTrail audit = result.audit();
      steps += audit.steps().size();
      assertEquals(0, audit.interventions(), "seed " + seed + ": none intervened in " + audit.interventions()
          + " of " + audit.steps().size() + " sampled steps");
      for (StepAudit step : audit.steps()) {
        assertEquals(step.fairToken(), step.baseToken(), "step " + step.step());
      }
    }
    assertTrue(steps >= 6 * 8, "real lengths were generated: " + steps + " steps");
  }

  @Test
  void noneNeverIntervenesWhenGreedy() {
    GenerationResult result = generate("none", GenerationParams.greedy(16));
    assertEquals(0, result.audit().interventions());
    assertTrue(result.audit().steps().size() >= 8);
  }
}
