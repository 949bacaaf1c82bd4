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

  /**
   * The ranking's radix sort orders like sorting (key, id) pairs: keys of every magnitude (all three
   * 11-bit digits), many equal, ids given ascending.
   */
  @Test
  void theRadixSortOrdersByKeyThenId() {
    SplittableRandom random = new SplittableRandom(7);
    for (int trial = 0; trial < 20; trial++) {
      int n = 1 + random.nextInt(60_000);
      int[] keys = new int[n];
      int[] ids = new int[n];
      long[] pairs = new long[n];
      for (int i = 0; i < n; i++) {
        keys[i] = trial % 2 == 0 ? random.nextInt(Integer.MAX_VALUE) : random.nextInt(50) << (random.nextInt(3) * 11);
        ids[i] = i;
        pairs[i] = ((long) keys[i] << 32) | i;
      }
      java.util.Arrays.sort(pairs);
      int[] sorted = TokenSampler.sortStable(keys, ids, n);
      assertEquals(n, sorted.length, "the ranking's length is the candidate count");
      for (int i = 0; i < n; i++) {
        assertEquals((int) pairs[i], sorted[i], "trial " + trial + " at " + i);
      }
    }
  }

  /**
   * The top-k fast path ranks only the tokens near the k-th probability; for the same draw it must
   * pick exactly the token the full ranking picks (so completions sampled before it replay the same),
   * also with ties, zeros (the restricted-vocabulary models), extreme temperatures and top-p.
   */
  @Test
  void theFastPathPicksWhatTheFullRankingPicks() {
    SplittableRandom random = new SplittableRandom(2024);
    int compared = 0;
    int distinctPicks = 0;
    for (int kind = 0; kind < 4; kind++) {
      for (int d = 0; d < 2; d++) {
        float[] probs = distribution(kind, random);
        for (double temperature : new double[] {0.01, 1, 1.7, 100}) {
          for (int topK : new int[] {0, 1, 2, 5, 40, 1024, 5000}) { // 0: every token ranked
            for (double topP : new double[] {1, 0.5}) {
              GenerationParams params = new GenerationParams(4, temperature, topK, topP, null, null);
              int previous = -1;
              for (long seed = 0; seed < 3; seed++) {
                int expected = ReferenceTokenSampler.choose(probs, params, new SplittableRandom(seed));
                int actual = TokenSampler.choose(probs, params, new SplittableRandom(seed).nextDouble());
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
    assertEquals(4 * 2 * 4 * 7 * 2 * 3, compared);
    assertTrue(distinctPicks > compared / 4, "the draws hardly varied: " + distinctPicks);
  }
}
