package io.equistream.group;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** G = G1 x ... x GN over disjoint word sets; acts on tokens factor by factor. */
public final class ProductGroup {
  private final List<CyclicGroup> factors;
  /** Every orbit of every factor (the sampler walks each as one block). */
  private final int[][] orbits;

  public ProductGroup(List<CyclicGroup> factors) {
    this.factors = List.copyOf(factors);
    Set<Integer> seen = new HashSet<>();
    List<int[]> allOrbits = new ArrayList<>();
    for (CyclicGroup group : factors) {
      for (int token : group.tokens()) {
        if (!seen.add(token)) {
          throw new GroupsException("token " + token + " of group '" + group.name() + "' belongs to two groups");
        }
      }
      for (int o = 0; o < group.orbitCount(); o++) {
        allOrbits.add(group.orbit(o));
      }
    }
    this.orbits = allOrbits.toArray(int[][]::new);
  }

  /** Every orbit of every factor, factor by factor (a copy). */
  public int[][] orbits() {
    int[][] copy = new int[orbits.length][];
    for (int o = 0; o < copy.length; o++) {
      copy[o] = orbits[o].clone();
    }
    return copy;
  }

  public List<CyclicGroup> factors() {
    return factors;
  }

  public int factorCount() {
    return factors.size();
  }

  /** |G| = product of the factor orders. */
  public int size() {
    int size = 1;
    for (CyclicGroup group : factors) {
      size *= group.order();
    }
    return size;
  }

  /** Every element, the identity first. */
  public List<GroupElement> elements() {
    List<GroupElement> all = new ArrayList<>();
    all.add(GroupElement.identity(factors.size()));
    for (int f = 0; f < factors.size(); f++) {
      List<GroupElement> next = new ArrayList<>();
      for (GroupElement element : all) {
        for (int shift = 0; shift < factors.get(f).order(); shift++) {
          int[] shifts = element.shifts().clone();
          shifts[f] = shift;
          next.add(new GroupElement(shifts));
        }
      }
      all = next;
    }
    return all;
  }

  /** Elements that move only factor {@code f} (the subgroup Gf), the identity first. */
  public List<GroupElement> factorElements(int f) {
    List<GroupElement> out = new ArrayList<>();
    for (int shift = 0; shift < factors.get(f).order(); shift++) {
      int[] shifts = new int[factors.size()];
      shifts[f] = shift;
      out.add(new GroupElement(shifts));
    }
    return out;
  }

  public GroupElement inverse(GroupElement element) {
    int[] shifts = new int[factors.size()];
    for (int f = 0; f < shifts.length; f++) {
      shifts[f] = Math.floorMod(-element.shift(f), factors.get(f).order());
    }
    return new GroupElement(shifts);
  }

  public GroupElement compose(GroupElement a, GroupElement b) {
    int[] shifts = new int[factors.size()];
    for (int f = 0; f < shifts.length; f++) {
      shifts[f] = Math.floorMod(a.shift(f) + b.shift(f), factors.get(f).order());
    }
    return new GroupElement(shifts);
  }

  /** g(t): a token moves in at most one factor since the word sets are disjoint. */
  public int act(GroupElement element, int token) {
    for (int f = 0; f < factors.size(); f++) {
      CyclicGroup group = factors.get(f);
      if (group.moves(token)) {
        return group.act(element.shift(f), token);
      }
    }
    return token;
  }

  /** The factor that moves {@code token}, or -1. */
  public int factorOf(int token) {
    for (int f = 0; f < factors.size(); f++) {
      if (factors.get(f).moves(token)) {
        return f;
      }
    }
    return -1;
  }

  public String describe(GroupElement element) {
    StringBuilder text = new StringBuilder();
    for (int f = 0; f < factors.size(); f++) {
      if (element.shift(f) != 0) {
        text.append(text.length() == 0 ? "" : "*").append(factors.get(f).name()).append('^').append(element.shift(f));
      }
    }
    return text.length() == 0 ? "e" : text.toString();
  }

  public List<String> names() {
    return factors.stream().map(CyclicGroup::name).toList();
  }
}
