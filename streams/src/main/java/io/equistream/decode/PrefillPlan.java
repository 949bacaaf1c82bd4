package io.equistream.decode;

import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Which prefilling requests one iteration's prefill call takes, and how many prompt tokens of each
 * of their rows, within a budget of rows x tokens. Half the budget goes to the requests whose whole
 * remaining prefill fits in it, shortest first: a short prompt that arrives behind long ones starts
 * decoding at the next iteration instead of after all of them (first come, first served, a request
 * waited for every longer prompt ahead of it). The rest goes in arrival order, and the oldest
 * request not yet taken always gets at least one token a row (past the budget when it has more rows
 * than the half left, as before when it had more than the whole budget; MemoryBudget's scratch is
 * sized for an idle call, four budgets): a stream of short prompts slows a long one by at most half
 * its share and never stops it.
 */
final class PrefillPlan {
  private PrefillPlan() {
  }

  /**
   * Tokens per row to prefill for each candidate (0: not this iteration), given in arrival order
   * their row counts and the prompt tokens their rows still lack.
   */
  static int[] takes(int[] rows, int[] pending, int budget) {
    int n = rows.length;
    int[] takes = new int[n];
    int shortShare = budget / 2;
    Integer[] shortestFirst = IntStream.range(0, n).boxed()
        .sorted(Comparator.comparingLong(i -> (long) rows[i] * pending[i])).toArray(Integer[]::new);
    int used = 0;
    for (int i : shortestFirst) {
      long work = (long) rows[i] * pending[i];
      if (work > shortShare - used) {
        break; // ascending: no later one fits either
      }
      takes[i] = pending[i];
      used += (int) work;
    }
    int remaining = budget - used;
    boolean firstInOrder = true;
    for (int i = 0; i < n && remaining > 0; i++) { // remaining >= budget - budget / 2 >= 1 at the start
      if (takes[i] > 0) {
        continue;
      }
      int take = Math.min(pending[i], Math.max(1, remaining / rows[i]));
      if (!firstInOrder && (long) rows[i] * take > remaining) {
        break;
      }
      takes[i] = take;
      remaining -= rows[i] * take;
      firstInOrder = false;
    }
    return takes;
  }
}
