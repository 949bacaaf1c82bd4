package io.equistream.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Inverse-CDF sampling from one explicit draw u: known answers, and the coupling the audit relies on. */
class TokenSamplerTest {
  private static final float[] PROBS = {0.2f, 0.5f, 0.3f}; // ranked 1 (0.5), 2 (0.3), 0 (0.2)

  private static GenerationParams sampling(double temperature, int topK, double topP) {
    return new GenerationParams(8, temperature, topK, topP, 1L, null);
  }

  @Test
  void inverseCdfOverTheRankedTokens() {
    GenerationParams plain = sampling(1, 0, 1);
    assertEquals(1, TokenSampler.choose(PROBS, plain, 0.0));
    assertEquals(1, TokenSampler.choose(PROBS, plain, 0.49));
    assertEquals(2, TokenSampler.choose(PROBS, plain, 0.51));
    assertEquals(2, TokenSampler.choose(PROBS, plain, 0.79));
    assertEquals(0, TokenSampler.choose(PROBS, plain, 0.81));
    assertEquals(0, TokenSampler.choose(PROBS, plain, 0.999));
    // top-k 2 keeps 0.5 and 0.3: u * 0.8 < 0.5 picks token 1
    assertEquals(1, TokenSampler.choose(PROBS, sampling(1, 2, 1), 0.6));
    assertEquals(2, TokenSampler.choose(PROBS, sampling(1, 2, 1), 0.7));
    // top-p 0.4: token 1 alone reaches 0.4 of the total
    assertEquals(1, TokenSampler.choose(PROBS, sampling(1, 0, 0.4), 0.99));
    // top-p 0.7 keeps tokens 1 and 2
    assertEquals(2, TokenSampler.choose(PROBS, sampling(1, 0, 0.7), 0.99));
    // greedy ignores u
    assertEquals(1, TokenSampler.choose(PROBS, GenerationParams.greedy(8), 0.99));
  }

  @Test
  void oneDrawPerSampledStepAndNoneForGreedy() {
    SplittableRandom random = new SplittableRandom(5);
    SplittableRandom reference = new SplittableRandom(5);
    TokenSampler.Draw draw = TokenSampler.draw(sampling(0.7, 0, 1), random);
    assertEquals(reference.nextDouble(), draw.u());
    assertTrue(draw.sampled());
    TokenSampler.Draw greedy = TokenSampler.draw(GenerationParams.greedy(8), random);
    assertFalse(greedy.sampled());
    assertEquals(reference.nextDouble(), random.nextDouble(), "greedy steps draw nothing");
  }

  @Test
  void theSameDrawOnTheSameDistributionGivesTheSameToken() {
    SplittableRandom random = new SplittableRandom(11);
    float[] probs = new float[64];
    for (int trial = 0; trial < 500; trial++) {
      double sum = 0;
      for (int t = 0; t < probs.length; t++) {
        probs[t] = (float) random.nextDouble();
        sum += probs[t];
      }
      for (int t = 0; t < probs.length; t++) {
        probs[t] /= (float) sum;
      }
      TokenSampler.Draw draw = TokenSampler.draw(sampling(0.9, 40, 0.9), random);
      assertEquals(draw.choose(probs), draw.choose(probs.clone()));
    }
  }
}
