package io.equistream.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The top-k fast path ranks only the tokens near the k-th probability; for the same seed it must
 * pick exactly the token the full ranking picks (so completions sampled before it replay the same),
 * also with ties, zeros (the restricted-vocabulary models), extreme temperatures and top-p.
 */
class TokenSamplerTest {
  private static final int VOCAB = 50_257;

  /** Kinds: 0 smooth, 1 mostly zero (like tiny-gpt2), 2 quantized (many exact ties), 3 one dominant token. */
  private static float[] distribution(int kind, SplittableRandom random) {
    float[] probs = new float[VOCAB];
    double sum = 0;
    for (int t = 0; t < VOCAB; t++) {
      double logit = random.nextGaussian() * 3;
      double value = switch (kind) {
        case 1 -> t % 7 < 5 ? 0 : Math.exp(logit);
        case 2 -> Math.floor(Math.exp(logit) * 4) / 4;
        case 3 -> t == 11 ? 1e6 : Math.exp(logit);
        default -> Math.exp(logit);
      };
      probs[t] = (float) value;
      sum += value;
    }
    for (int t = 0; t < VOCAB; t++) {
      probs[t] = (float) (probs[t] / sum);
    }
    return probs;
  }

  @Test
  void theFastPathPicksWhatTheFullRankingPicks() {
    SplittableRandom random = new SplittableRandom(2024);
    int compared = 0;
    int distinctPicks = 0;
    for (int kind = 0; kind < 4; kind++) {
      for (int d = 0; d < 2; d++) {
        float[] probs = distribution(kind, random);
        for (double temperature : new double[] {0.01, 1, 1.7, 100}) {
          for (int topK : new int[] {1, 2, 5, 40, 1024, 5000}) {
            for (double topP : new double[] {1, 0.5}) {
              GenerationParams params = new GenerationParams(4, temperature, topK, topP, null, null);
              int previous = -1;
              for (long seed = 0; seed < 3; seed++) {
                int expected = ReferenceTokenSampler.choose(probs, params, new SplittableRandom(seed));
                int actual = TokenSampler.choose(probs, params, new SplittableRandom(seed));
                assertEquals(expected, actual, "kind " + kind + " T " + temperature + " k " + topK + " p " + topP
                    + " seed " + seed);
                distinctPicks += expected != previous ? 1 : 0;
                previous = expected;
                compared++;
              }
            }
          }
        }
      }
    }
    assertEquals(4 * 2 * 4 * 6 * 2 * 3, compared);
    assertTrue(distinctPicks > compared / 4, "the draws hardly varied: " + distinctPicks);
  }
}
