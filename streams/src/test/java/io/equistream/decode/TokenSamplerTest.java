package io.equistream.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Inverse-CDF sampling from one explicit draw u: known answers, and the coupling the audit relies on. */
class TokenSamplerTest {
  private static final float[] PROBS = {0.2f, 0.5f, 0.3f}; // ranked 1 (0.5), 2 (0.3), 0 (0.2); walked 0, 1, 2

  private static GenerationParams sampling(double temperature, int topK, double topP) {
    return new GenerationParams(8, temperature, topK, topP, 1L, null);
  }

  @Test
  void inverseCdfOverTheKeptTokensInIdOrder() {
    GenerationParams plain = sampling(1, 0, 1);
    assertEquals(0, TokenSampler.choose(PROBS, plain, 0.0));
    assertEquals(0, TokenSampler.choose(PROBS, plain, 0.19));
    assertEquals(1, TokenSampler.choose(PROBS, plain, 0.21));
    assertEquals(1, TokenSampler.choose(PROBS, plain, 0.69));
    assertEquals(2, TokenSampler.choose(PROBS, plain, 0.71));
    assertEquals(2, TokenSampler.choose(PROBS, plain, 0.999));
    // top-k 2 keeps 0.5 and 0.3 (tokens 1, 2): u * 0.8 < 0.5 picks token 1
    assertEquals(1, TokenSampler.choose(PROBS, sampling(1, 2, 1), 0.6));
    assertEquals(2, TokenSampler.choose(PROBS, sampling(1, 2, 1), 0.7));
    // top-p 0.4: token 1 alone reaches 0.4 of the total
    assertEquals(1, TokenSampler.choose(PROBS, sampling(1, 0, 0.4), 0.99));
    // top-p 0.7 keeps tokens 1 and 2
    assertEquals(2, TokenSampler.choose(PROBS, sampling(1, 0, 0.7), 0.99));
    assertEquals(1, TokenSampler.choose(PROBS, sampling(1, 0, 0.7), 0.6));
    // greedy ignores u
    assertEquals(1, TokenSampler.choose(PROBS, GenerationParams.greedy(8), 0.99));
  }

  @Test
  void oneDrawPerSampledStepAndNoneForGreedy() {
    SplittableRandom random = new SplittableRandom(5);
    SplittableRandom reference = new SplittableRandom(5);
    TokenSampler.Draw draw = TokenSampler.draw(sampling(0.7, 0, 1), random, new int[0][]);
    assertEquals(reference.nextDouble(), draw.u());
    assertTrue(draw.sampled());
    TokenSampler.Draw greedy = TokenSampler.draw(GenerationParams.greedy(8), random, new int[0][]);
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
      TokenSampler.Draw draw = TokenSampler.draw(sampling(0.9, 40, 0.9), random, new int[0][]);
      assertEquals(draw.choose(probs), draw.choose(probs.clone()));
    }
  }

  private static final int VOCAB = 50_257;

  /**
   * The draw is equivariant: with the same u, g·p draws g of what p draws, because each orbit is
   * walked as one block ranked by weight (g permutes an orbit's weights, and the block follows).
   * Here 30 orbits (C2 and C4, spread over the ids) carry half the mass, so draws land on them
   * often; a plain walk in id order breaks the equivariance on some of the same draws.
   */
  @Test
  void theSameDrawOnGpIsGOfTheDrawOnP() {
    SplittableRandom random = new SplittableRandom(17);
    int[][] orbits = new int[30][];
    for (int o = 0; o < orbits.length; o++) {
      int k = o % 3 == 0 ? 4 : 2;
      orbits[o] = new int[k];
      for (int i = 0; i < k; i++) {
        orbits[o][i] = (1000 * (o + 1) + 13_003 * i) % 50_000; // disjoint, far apart, not ascending
      }
    }
    int[][] sorted = orbits.clone();
    Arrays.sort(sorted, Comparator.comparingInt(o -> Arrays.stream(o).min().orElseThrow()));
    int mismatches = 0;
    int plainMismatches = 0;
    int onOrbits = 0;
    for (int trial = 0; trial < 2000; trial++) {
      float[] probs = distribution(0, random);
      for (int[] orbit : orbits) {
        for (int t : orbit) {
          probs[t] = (float) (0.5 / 90 * (0.5 + random.nextDouble()));
        }
      }
      int shift = 1 + random.nextInt(3);
      float[] moved = new float[VOCAB]; // (g·p)[g(t)] = p[t]
      int[] g = new int[VOCAB];
      for (int t = 0; t < VOCAB; t++) {
        g[t] = t;
      }
      for (int[] orbit : orbits) {
        for (int i = 0; i < orbit.length; i++) {
          g[orbit[i]] = orbit[(i + shift) % orbit.length];
        }
      }
      for (int t = 0; t < VOCAB; t++) {
        moved[g[t]] = probs[t];
      }
      GenerationParams params = trial % 2 == 0 ? sampling(1, 0, 0.9) : sampling(0.8, 40, 1);
      double u = random.nextDouble();
      int drawn = TokenSampler.choose(probs, params, u, trial % 3 == 0 ? orbits : sorted); // any order
      onOrbits += g[drawn] != drawn ? 1 : 0;
      mismatches += TokenSampler.choose(moved, params, u, sorted) != g[drawn] ? 1 : 0;
      plainMismatches += TokenSampler.choose(moved, params, u) != g[TokenSampler.choose(probs, params, u)] ? 1 : 0;
    }
    assertEquals(0, mismatches, "draws that were not equivariant");
    assertTrue(onOrbits > 500, "draws landed on orbit words only " + onOrbits + " times");
    assertTrue(plainMismatches > 100, "a plain id walk broke equivariance only " + plainMismatches + " times");
  }

  /**
   * Inside an orbit's block, words within the greedy tie tolerance (relative 1e-6) go by id: at a
   * symmetric context equitune's orbit words differ by summation rounding only (~1e-7), and noise
   * that swaps them must not swap the draw. Apart by more, the heavier goes first (equivariance).
   */
  @Test
  void orbitWordsApartByRoundingOnlyAreWalkedByIdWhateverTheNoise() {
    int[][] orbit = {{9, 5}};
    float[] probs = new float[16];
    Arrays.fill(probs, 0.4f / 14);
    float[] swapped = probs.clone();
    probs[5] = (float) (0.3 * (1 + 1e-7));
    probs[9] = (float) (0.3 * (1 - 1e-7));
    swapped[5] = probs[9];
    swapped[9] = probs[5];
    GenerationParams params = sampling(1, 0, 1);
    for (double u = 0.005; u < 1; u += 0.01) {
      assertEquals(TokenSampler.choose(probs, params, u, orbit), TokenSampler.choose(swapped, params, u, orbit), "u " + u);
    }
    // The block sits at id 5, after tokens 0-4 (5 x 0.4/14 = 0.143): 5 (tied, lower id) first, then 9.
    assertEquals(5, TokenSampler.choose(probs, params, 0.15, orbit));
    assertEquals(9, TokenSampler.choose(probs, params, 0.5, orbit));
    probs[9] = 0.31f; // apart: the heavier word first
    probs[5] = 0.29f;
    assertEquals(9, TokenSampler.choose(probs, params, 0.15, orbit));
  }

  /**
   * Another batch shape changes a row's probabilities by about 1e-6 (ORT's kernels sum in another
   * order), which can swap the rank of two near-equal weights. Walking the ranking, every draw that
   * lands on such a pair changed token (ReplayDeterminismTest's det-114); walking ids, the pair's
   * boundary moves by 1e-6 of its weight. Here every token has a near-equal twin and the noise swaps
   * each pair: the rank walk changed 100% of the draws, the id walk none. On smooth 50,257-token
   * distributions with 1e-6 noise (no cut) the rank walk changed 5 draws of 2,000, the id walk 1.
   */
  @Test
  void noiseThatSwapsNearEqualWeightsChangesNoDraw() {
    SplittableRandom random = new SplittableRandom(3);
    float[] probs = new float[VOCAB - 1];
    float[] noisy = new float[VOCAB - 1];
    int changed = 0;
    for (int trial = 0; trial < 2000; trial++) {
      double sum = 0;
      for (int t = 0; t < probs.length; t += 2) {
        double weight = Math.exp(random.nextGaussian() * 2);
        double tilt = random.nextBoolean() ? 1e-6 : -1e-6;
        probs[t] = (float) (weight * (1 + tilt));
        probs[t + 1] = (float) (weight * (1 - tilt));
        noisy[t] = probs[t + 1];
        noisy[t + 1] = probs[t];
        sum += 2 * weight;
      }
      for (int t = 0; t < probs.length; t++) {
        probs[t] = (float) (probs[t] / sum);
        noisy[t] = (float) (noisy[t] / sum);
      }
      GenerationParams params = sampling(trial % 2 == 0 ? 1.0 : 0.7, 0, 1);
      double u = random.nextDouble();
      changed += TokenSampler.choose(probs, params, u) != TokenSampler.choose(noisy, params, u) ? 1 : 0;
    }
    assertEquals(0, changed, "draws changed by noise of 1e-6");
  }

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
      Arrays.sort(pairs);
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
