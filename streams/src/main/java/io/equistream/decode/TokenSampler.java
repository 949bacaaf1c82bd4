package io.equistream.decode;

import io.equistream.audit.TokenChoice;
import io.equistream.audit.TokenRanking;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Picks the next token from a probability vector: greedy (TokenRanking's tie rule) or
 * temperature / top-k / top-p sampling by inverse CDF of one uniform draw u in [0, 1). Candidates
 * are ranked by descending weight p^(1/T) (as a float), then ascending id, to cut top-k and top-p;
 * the draw walks the kept tokens in ascending id, each orbit of the request's groups as one block.
 *
 * <p>Why u is explicit: the audit applies the same u to the base distribution, so "the base token"
 * of a sampled step is what the base model would have emitted with the same randomness, and an
 * intervention counts only what fairness changed (never under method none).
 */
public final class TokenSampler {
  /** One step's rule and draw (and the request's orbits): apply it to the fair distribution and to the base one. */
  public record Draw(GenerationParams params, double u, int[][] orbits) implements TokenChoice {
    @Override
    public int choose(float[] probs) {
      return TokenSampler.choose(probs, params, u, orbits);
    }

    @Override
    public boolean sampled() {
      return params.sampling();
    }
  }

  /** Top-k (k up to this) ranks only the tokens near the k-th probability instead of all of them. */
  private static final int FAST_TOP_K_LIMIT = 1024;
  /** How far below the k-th probability the fast path still ranks tokens (then checks it was enough). */
  private static final double FAST_TOP_K_MARGIN = 1e-3;

  private static final int[][] NO_ORBITS = new int[0][];

  private TokenSampler() {
  }

  /**
   * Draws this step's u (one nextDouble per sampled step, none for greedy: seeded replays stay
   * token-exact); {@code orbits}: the request's, as {@link io.equistream.group.ProductGroup#orbits()}
   * (in any order: the walk orders its blocks).
   */
  public static Draw draw(GenerationParams params, SplittableRandom random, int[][] orbits) {
    return new Draw(params, params.sampling() ? random.nextDouble() : 0, orbits);
  }

  /** {@link #choose(float[], GenerationParams, double, int[][])} for a request without groups. */
  public static int choose(float[] probs, GenerationParams params, double u) {
    return choose(probs, params, u, NO_ORBITS);
  }

  /**
   * Greedy when not sampling. Sampling: weights w_t = p_t^(1/T), ranked by descending weight then
   * ascending id, cut to the top k and then to the shortest prefix whose weight reaches top_p of the
   * total; the token is the first kept one, in walk order, whose cumulative weight exceeds
   * u * (kept total). Walk order: ascending id, except that each orbit's kept tokens are walked as
   * one block at the orbit's lowest id, by descending weight (near-ties by ascending id).
   */
  public static int choose(float[] probs, GenerationParams params, double u, int[][] orbits) {
    if (!params.sampling()) {
      return TokenRanking.argmax(probs);
    }
    // p^(1/T), renormalized later; computed from log p so tiny probabilities stay finite.
    double inverseTemperature = 1.0 / params.temperature();
    float maxProb = 0;
    for (float p : probs) {
      maxProb = p > maxProb ? p : maxProb;
    }
    // log is monotone, so the largest log p / T is that of the largest p.
    double maxLog = maxProb > 0 ? Math.log(maxProb) * inverseTemperature : Double.NEGATIVE_INFINITY;
    double[] weight = new double[probs.length];
    int[] ranked = params.topK() > 0 && params.topK() <= FAST_TOP_K_LIMIT
        ? rankNearTopK(probs, params.topK(), inverseTemperature, maxLog, weight) : null;
    if (ranked == null) {
      ranked = rankAll(probs, inverseTemperature, maxLog, weight);
    }
    if (ranked.length == 0) {
      return TokenRanking.argmax(probs);
    }
    int keep = params.topK() > 0 ? Math.min(params.topK(), ranked.length) : ranked.length;
    double total = 0;
    for (int i = 0; i < keep; i++) {
      total += weight[ranked[i]];
    }
    if (params.topP() < 1) {
      double cumulative = 0;
      for (int i = 0; i < keep; i++) {
        cumulative += weight[ranked[i]];
        if (cumulative >= params.topP() * total) {
          keep = i + 1;
          total = cumulative;
          break;
        }
      }
    }
    return walk(ranked, keep, weight, u * total, orbits);
  }

  /**
   * The first kept token, in walk order, whose cumulative weight exceeds target. Why id order and
   * not rank order: float noise of 1e-7 (another batch shape, another kernel) swaps two near-equal
   * weights in the ranking, and a draw that lands on either would change token; in id order the same
   * noise moves each boundary by 1e-7 only, so a replay in other batches draws the same tokens. Why
   * orbits as blocks ranked by weight: g permutes an orbit's weights and the block's order follows
   * them, so the same u on g·p draws g of the token it draws on p (the draw is equivariant, as the
   * ranking walk was; symsample's answer is g⁻¹ of the base model's draw on g·x).
   */
  private static int walk(int[] ranked, int keep, double[] weight, double target, int[][] orbits) {
    boolean[] kept = new boolean[weight.length];
    int lastKept = 0;
    for (int i = 0; i < keep; i++) {
      kept[ranked[i]] = true;
      lastKept = Math.max(lastKept, ranked[i]);
    }
    int[][] blocks = keptBlocks(orbits, kept, weight); // clears its members from kept
    double cumulative = 0;
    int last = lastKept;
    int block = 0;
    for (int t = 0; t <= lastKept; t++) {
      for (; block < blocks.length && blocks[block][0] == t; block++) {
        for (int b = 1; b < blocks[block].length; b++) {
          last = blocks[block][b];
          cumulative += weight[last];
          if (target < cumulative) {
            return last;
          }
        }
      }
      if (kept[t]) {
        last = t;
        cumulative += weight[t];
        if (target < cumulative) {
          return t;
        }
      }
    }
    return last; // target at the total's rounding edge
  }

  /**
   * Per orbit with kept tokens: {lowest id of the orbit, its kept tokens in block order}, by lowest
   * id; those tokens are cleared from {@code kept}. Block order: descending weight, except that
   * weights within TokenRanking's relative tie tolerance of the run they follow count as tied and go
   * by ascending id (as greedy's tie rule): equitune sums an orbit's words over variants in different
   * orders, so at a symmetric context they differ by rounding only, and that must not pick the word.
   */
  private static int[][] keptBlocks(int[][] orbits, boolean[] kept, double[] weight) {
    List<int[]> blocks = new ArrayList<>();
    for (int[] orbit : orbits) {
      int[] block = new int[orbit.length + 1];
      int size = 0;
      int lowest = Integer.MAX_VALUE;
      for (int t : orbit) {
        lowest = Math.min(lowest, t);
        if (t < kept.length && kept[t]) {
          kept[t] = false;
          // insertion by descending weight, then ascending id (an orbit has a handful of words)
          int at = ++size;
          while (at > 1 && heavier(t, block[at - 1], weight)) {
            block[at] = block[at - 1];
            at--;
          }
          block[at] = t;
        }
      }
      if (size > 0) {
        block[0] = lowest;
        tiesByAscendingId(block, size, weight);
        blocks.add(Arrays.copyOf(block, size + 1));
      }
    }
    blocks.sort(Comparator.comparingInt(block -> block[0])); // the walk meets them in this order
    return blocks.toArray(int[][]::new);
  }

  private static boolean heavier(int a, int b, double[] weight) {
    return weight[a] > weight[b] || weight[a] == weight[b] && a < b;
  }

  /** Runs of block[1..size] (sorted by descending weight) within the tie tolerance of their first: ascending id. */
  private static void tiesByAscendingId(int[] block, int size, double[] weight) {
    for (int first = 1; first <= size; ) {
      double floor = weight[block[first]] * (1 - TokenRanking.TIE_TOLERANCE);
      int end = first + 1;
      while (end <= size && weight[block[end]] >= floor) {
        end++;
      }
      Arrays.sort(block, first, end);
      first = end;
    }
  }

  private static double weightOf(float p, double inverseTemperature, double maxLog) {
    return Math.exp(Math.log(p) * inverseTemperature - maxLog);
  }

  /** Every token of positive weight, ranked. */
  private static int[] rankAll(float[] probs, double inverseTemperature, double maxLog, double[] weight) {
    return rank(probs, Float.MIN_VALUE, probs.length, inverseTemperature, maxLog, weight);
  }

  /** The tokens with p >= floor (at most {@code count} of them; floor > 0), ranked; their weights filled in. */
  private static int[] rank(float[] probs, float floor, int count, double inverseTemperature, double maxLog,
      double[] weight) {
    int[] tokens = new int[count];
    int[] keys = new int[count];
    int candidates = 0;
    for (int t = 0; t < probs.length; t++) {
      if (probs[t] >= floor) {
        double w = weightOf(probs[t], inverseTemperature, maxLog);
        if (w > 0) {
          weight[t] = w;
          tokens[candidates] = t;
          // Descending weight: the float bits of a positive float order like ints.
          keys[candidates++] = Integer.MAX_VALUE - Float.floatToIntBits((float) w);
        }
      }
    }
    return sortStable(keys, tokens, candidates);
  }

  /**
   * The tokens by ascending key, equal keys in their given (ascending id) order: a stable LSD radix
   * sort over the 31-bit keys, three passes of 11 bits. Same order as sorting (key, id) pairs, in
   * linear time (with a comparison sort, sampling 16 rows cost more per step than the model did).
   */
  static int[] sortStable(int[] keys, int[] tokens, int n) {
    int[] fromKeys = keys;
    int[] fromTokens = tokens;
    int[] toKeys = new int[n];
    int[] toTokens = new int[n];
    for (int shift = 0; shift < 31; shift += 11) {
      int[] start = new int[2049];
      for (int i = 0; i < n; i++) {
        start[((fromKeys[i] >>> shift) & 2047) + 1]++;
      }
      for (int b = 0; b < 2048; b++) {
        start[b + 1] += start[b];
      }
      for (int i = 0; i < n; i++) {
        int at = start[(fromKeys[i] >>> shift) & 2047]++;
        toKeys[at] = fromKeys[i];
        toTokens[at] = fromTokens[i];
      }
      int[] swap = fromKeys;
      fromKeys = toKeys;
      toKeys = swap;
      swap = fromTokens;
      fromTokens = toTokens;
      toTokens = swap;
    }
    return fromTokens; // three passes: the order ends in the arrays allocated here, n long
  }

  /**
   * The same first k of the ranking as {@link #rankAll}, from only the tokens with p at least
   * (1 - margin) times the k-th largest p; null when that cannot be shown, then the caller ranks all.
   * Weight is monotone in p, so every excluded token weighs at most what the largest excluded p
   * weighs; when that (as a float) is below the k-th p's weight, the k largest p all rank first.
   */
  private static int[] rankNearTopK(float[] probs, int k, double inverseTemperature, double maxLog,
      double[] weight) {
    float kth = kthLargestPositive(probs, k);
    float floor = (float) (kth * (1 - FAST_TOP_K_MARGIN));
    if (!(floor > 0) || !((float) weightOf(kth, inverseTemperature, maxLog) >= Float.MIN_NORMAL)) {
      return null;
    }
    int included = 0;
    float largestExcluded = 0;
    for (float p : probs) {
      if (p >= floor) {
        included++;
      } else if (p > largestExcluded) {
        largestExcluded = p;
      }
    }
    if (largestExcluded > 0 && !((float) weightOf(largestExcluded, inverseTemperature, maxLog)
        < (float) weightOf(kth, inverseTemperature, maxLog))) {
      return null;
    }
    return rank(probs, floor, included, inverseTemperature, maxLog, weight);
  }

  /** The k-th largest positive probability (with multiplicity), or 0 when fewer than k are positive. */
  private static float kthLargestPositive(float[] probs, int k) {
    float[] heap = new float[k]; // min-heap of the k largest so far
    int size = 0;
    for (float p : probs) {
      if (!(p > 0)) {
        continue;
      }
      if (size < k) {
        int i = size++;
        heap[i] = p;
        while (i > 0 && heap[(i - 1) / 2] > heap[i]) {
          float swap = heap[i];
          heap[i] = heap[(i - 1) / 2];
          heap[(i - 1) / 2] = swap;
          i = (i - 1) / 2;
        }
      } else if (p > heap[0]) {
        heap[0] = p;
        for (int i = 0; ; ) {
          int child = 2 * i + 1;
          if (child >= k) {
            break;
          }
          if (child + 1 < k && heap[child + 1] < heap[child]) {
            child++;
          }
          if (heap[i] <= heap[child]) {
            break;
          }
          float swap = heap[i];
          heap[i] = heap[child];
          heap[child] = swap;
          i = child;
        }
      }
    }
    return size < k ? 0 : heap[0];
  }
}
