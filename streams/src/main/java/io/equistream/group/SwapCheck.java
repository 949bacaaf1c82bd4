package io.equistream.group;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Counterfactual swaps: is one token sequence another with a group element applied token by token?
 * The demo's test of equivariance on real completions: fair(g x) must equal g fair(x).
 */
public final class SwapCheck {
  private SwapCheck() {
  }

  /**
   * The element g with g(first[i]) = second[i] for every i that moves the fewest groups (then the
   * first in {@link ProductGroup#elements()} order): groups without a word in either sequence stay the
   * identity. Empty when none.
   */
  public static Optional<GroupElement> elementMapping(ProductGroup group, int[] first, int[] second) {
    if (first.length != second.length) {
      return Optional.empty();
    }
    return group.elements().stream()
        .filter(g -> firstMismatch(group, g, first, second) < 0)
        .min(Comparator.comparingInt(SwapCheck::movedFactors));
  }

  /** The first position i where second[i] != g(first[i]) (up to the shorter length), or -1 for an exact swap. */
  public static int firstMismatch(ProductGroup group, GroupElement g, int[] first, int[] second) {
    int common = Math.min(first.length, second.length);
    for (int i = 0; i < common; i++) {
      if (group.act(g, first[i]) != second[i]) {
        return i;
      }
    }
    return first.length == second.length ? -1 : common;
  }

  /** Avro id lists (completion_token_ids) as arrays. */
  public static int[] toArray(List<Integer> ids) {
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int movedFactors(GroupElement g) {
    int moved = 0;
    for (int shift : g.shifts()) {
      moved += shift == 0 ? 0 : 1;
    }
    return moved;
  }
}
