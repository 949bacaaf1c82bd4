package io.equistream.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Which prefilling requests an iteration takes: short ones whole from half the budget, the rest in arrival order. */
class PrefillPlanTest {
  @Test
  void aShortPromptBehindLongOnesIsPrefilledWholeAtOnce() {
    // Three 600-token prompts of 3 rows arrived first, then a 12-token prompt of 3 rows; budget 256.
    int[] takes = PrefillPlan.takes(new int[] {3, 3, 3, 3}, new int[] {600, 600, 600, 12}, 256);
    assertArrayEquals(new int[] {73, 0, 0, 12}, takes, Arrays.toString(takes)); // 36 + 3 x 73 = 255
  }

  @Test
  void aLoneRequestAndABurstThatFitsAreTakenAsBefore() {
    assertArrayEquals(new int[] {85}, PrefillPlan.takes(new int[] {3}, new int[] {600}, 256)); // 256 / 3 rows
    assertArrayEquals(new int[] {40}, PrefillPlan.takes(new int[] {1}, new int[] {40}, 256));
    // An idle engine's larger budget: sixteen 20-token prompts of 3 rows (960 row tokens) in one call.
    int[] rows = new int[16];
    int[] pending = new int[16];
    Arrays.fill(rows, 3);
    Arrays.fill(pending, 20);
    assertArrayEquals(pending, PrefillPlan.takes(rows, pending, 1024));
  }

  @Test
  void theOldestGetsHalfTheBudgetWhateverArrivesBehindIt() {
    // Forty 4-token prompts behind one 2,000-token prompt: 128 row tokens go to 32 of them, 128 to the oldest.
    int[] rows = new int[41];
    int[] pending = new int[41];
    Arrays.fill(rows, 1);
    Arrays.fill(pending, 4);
    pending[0] = 2000;
    int[] takes = PrefillPlan.takes(rows, pending, 256);
    assertEquals(128, takes[0]);
    assertEquals(32, Arrays.stream(takes, 1, 41).filter(t -> t == 4).count());
    // A request wider than what is left still gets one token a row: it never starves.
    int[] wide = PrefillPlan.takes(new int[] {144, 1, 1}, new int[] {500, 60, 60}, 256);
    assertArrayEquals(new int[] {1, 60, 60}, wide);
  }

  @Test
  void neverOverTheBudgetExceptTheOldestsOneTokenARowAndNoTakeBeyondWhatIsPending() {
    SplittableRandom random = new SplittableRandom(9);
    for (int trial = 0; trial < 2000; trial++) {
      int n = 1 + random.nextInt(12);
      int[] rows = new int[n];
      int[] pending = new int[n];
      for (int i = 0; i < n; i++) {
        rows[i] = 1 + random.nextInt(random.nextBoolean() ? 4 : 40);
        pending[i] = 1 + random.nextInt(random.nextBoolean() ? 30 : 900);
      }
      int budget = 1 + random.nextInt(1024);
      int[] takes = PrefillPlan.takes(rows, pending, budget);
      long used = 0;
      int firstNotWhole = -1;
      for (int i = 0; i < n; i++) {
        assertTrue(takes[i] >= 0 && takes[i] <= pending[i], "take " + takes[i] + " of " + pending[i]);
        used += (long) rows[i] * takes[i];
        firstNotWhole = firstNotWhole < 0 && takes[i] < pending[i] ? i : firstNotWhole;
      }
      assertTrue(Arrays.stream(takes).anyMatch(t -> t > 0), "an iteration with candidates prefills something");
      long allowance = firstNotWhole >= 0 && takes[firstNotWhole] == 1 ? rows[firstNotWhole] : 0;
      assertTrue(used <= budget + allowance, "used " + used + " of " + budget);
      // The oldest gets its whole prompt, or at least the second half's worth, or one token a row.
      int halfShare = Math.max(1, (budget - budget / 2) / rows[0]);
      assertTrue(takes[0] >= Math.min(pending[0], halfShare), "oldest got " + takes[0] + " x " + rows[0]
          + " of budget " + budget);
    }
  }
}
