package io.equistream.group;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A demographic group C_k acting on the vocabulary: element j maps orbit[i] to orbit[(i+j) mod k]
 * in every orbit; tokens outside the orbits are fixed. orbit[0] is the canonical representative.
 */
public final class CyclicGroup {
  private final String name;
  private final int order;
  private final int[][] orbitTokens;
  private final String[][] orbitWords;
  /** token -> {orbit index, position in orbit}. */
  private final Map<Integer, int[]> slots = new HashMap<>();

  public CyclicGroup(String name, int[][] orbitTokens, String[][] orbitWords) {
    if (orbitTokens.length == 0) {
      throw new GroupsException("group '" + name + "' has no orbits");
    }
    this.name = name;
    this.order = orbitTokens[0].length;
    this.orbitTokens = new int[orbitTokens.length][];
    this.orbitWords = new String[orbitTokens.length][];
    for (int o = 0; o < orbitTokens.length; o++) {
      if (orbitTokens[o].length != order) {
        throw new GroupsException("group '" + name + "': orbit " + o + " " + Arrays.toString(orbitWords[o])
            + " has " + orbitTokens[o].length + " words but orbit 0 has " + order
            + "; all orbits of a group need the same length");
      }
      this.orbitTokens[o] = orbitTokens[o].clone();
      this.orbitWords[o] = orbitWords[o].clone();
      for (int p = 0; p < order; p++) {
        int[] previous = slots.put(orbitTokens[o][p], new int[] {o, p});
        if (previous != null) {
          throw new GroupsException("group '" + name + "': word '" + orbitWords[o][p] + "' appears twice");
        }
      }
    }
    if (order < 2) {
      throw new GroupsException("group '" + name + "' needs orbits of at least 2 words");
    }
  }

  public String name() {
    return name;
  }

  /** k, the number of group elements. */
  public int order() {
    return order;
  }

  public int orbitCount() {
    return orbitTokens.length;
  }

  public int[] orbit(int index) {
    return orbitTokens[index].clone();
  }

  public String word(int orbit, int position) {
    return orbitWords[orbit][position];
  }

  public boolean moves(int token) {
    return slots.containsKey(token);
  }

  /** Element {@code shift} applied to a token: orbit[i] -> orbit[(i + shift) mod k]. */
  public int act(int shift, int token) {
    int[] slot = slots.get(token);
    if (slot == null) {
      return token;
    }
    return orbitTokens[slot[0]][Math.floorMod(slot[1] + shift, order)];
  }

  /** The canonical representative orbit[0] of a token's orbit (the token itself if unmoved). */
  public int canonicalize(int token) {
    int[] slot = slots.get(token);
    return slot == null ? token : orbitTokens[slot[0]][0];
  }

  /** All orbit tokens, orbit by orbit. */
  public List<Integer> tokens() {
    return Arrays.stream(orbitTokens).flatMapToInt(Arrays::stream).boxed().toList();
  }
}
