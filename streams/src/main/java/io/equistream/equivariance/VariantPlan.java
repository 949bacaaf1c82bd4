package io.equistream.equivariance;

import io.equistream.group.CyclicGroup;
import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * The variants one request runs and how they combine, for a method and a product group.
 * equitune: one branch over all of G. multi: branch i averages over Gi with the other groups
 * canonicalized, then is symmetrized over every other group. Variant 0 is always the identity on
 * the original sequence: the base model M(x) that the audit compares against.
 */
public final class VariantPlan {
  /** A branch: its variants are averaged, then symmetrized over {@code symmetrizeOver} factors. */
  public record Branch(double weight, int[] factors, int[] symmetrizeOver) {
  }

  private final FairnessMethod method;
  private final ProductGroup group;
  private final List<Variant> variants;
  private final List<Branch> branches;
  private final boolean baseIsExtra;

  private VariantPlan(FairnessMethod method, ProductGroup group, List<Variant> variants, List<Branch> branches,
      boolean baseIsExtra) {
    this.method = method;
    this.group = group;
    this.variants = List.copyOf(variants);
    this.branches = List.copyOf(branches);
    this.baseIsExtra = baseIsExtra;
  }

  public static VariantPlan of(FairnessMethod method, ProductGroup group) {
    int factors = group.factorCount();
    GroupElement identity = GroupElement.identity(factors);
    boolean[] none = new boolean[factors];
    List<Variant> variants = new ArrayList<>();
    List<Branch> branches = new ArrayList<>();
    switch (method) {
      case NONE -> {
        variants.add(new Variant(0, identity, identity, none, 1.0));
        branches.add(new Branch(1.0, new int[0], new int[0]));
        return new VariantPlan(method, group, variants, branches, false);
      }
      case EQUITUNE -> {
        // p(x) = 1/|G| sum_g g . M(g^-1 x); the identity element comes first and doubles as the base.
        List<GroupElement> elements = group.elements();
        for (GroupElement g : elements) {
          variants.add(new Variant(0, g, group.inverse(g), none, 1.0 / elements.size()));
        }
        branches.add(new Branch(1.0, range(factors), new int[0]));
        return new VariantPlan(method, group, variants, branches, false);
      }
      case MULTI -> {
        // The base M(x) is its own (audit-only) variant; dedup merges it with branch variants that equal x.
        variants.add(new Variant(-1, identity, identity, none, 0.0));
        for (int i = 0; i < factors; i++) {
          boolean[] canonicalizeOthers = new boolean[factors];
          int[] others = new int[factors - 1];
          for (int f = 0, k = 0; f < factors; f++) {
            if (f != i) {
              canonicalizeOthers[f] = true;
              others[k++] = f;
            }
          }
          List<GroupElement> elements = group.factorElements(i);
          for (GroupElement g : elements) {
            variants.add(new Variant(i, g, group.inverse(g), canonicalizeOthers, 1.0 / (factors * elements.size())));
          }
          branches.add(new Branch(1.0 / factors, new int[] {i}, others));
        }
        return new VariantPlan(method, group, variants, branches, true);
      }
      default -> throw new IllegalStateException("unhandled method " + method);
    }
  }

  private static int[] range(int n) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = i;
    }
    return out;
  }

  public FairnessMethod method() {
    return method;
  }

  public ProductGroup group() {
    return group;
  }

  public List<Variant> variants() {
    return variants;
  }

  public List<Branch> branches() {
    return branches;
  }

  /** Index of the base variant M(x). */
  public int baseVariant() {
    return 0;
  }

  /** True when the base is not itself a term of the fair mixture (multi). */
  public boolean baseIsExtra() {
    return baseIsExtra;
  }

  /** The token variant {@code v} sees in place of original token {@code token}: g^-1(c(token)). */
  public int mapToken(int v, int token) {
    Variant variant = variants.get(v);
    int factor = group.factorOf(token);
    if (factor < 0) {
      return token;
    }
    CyclicGroup owner = group.factors().get(factor);
    int canonical = variant.canonicalized()[factor] ? owner.canonicalize(token) : token;
    return owner.act(variant.inputElement().shift(factor), canonical);
  }

  /** Index of the variant of {@code branch} whose element is {@code element}, or -1. */
  public int variantOf(int branch, GroupElement element) {
    for (int v = 0; v < variants.size(); v++) {
      Variant variant = variants.get(v);
      if (variant.branch() == branch && variant.element().equals(element)) {
        return v;
      }
    }
    return -1;
  }

  /** The element restricted to the factors a branch averages over (others set to identity). */
  public GroupElement restrictToBranch(int branch, GroupElement element) {
    int[] shifts = new int[group.factorCount()];
    for (int f : branches.get(branch).factors()) {
      shifts[f] = element.shift(f);
    }
    return new GroupElement(shifts);
  }

  /** Cost of plain equitune without dedup: |G| sequences per step. */
  public int equituneCostPerStep() {
    return group.size();
  }
}
