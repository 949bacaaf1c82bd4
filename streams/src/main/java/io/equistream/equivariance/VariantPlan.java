package io.equistream.equivariance;

import io.equistream.group.CyclicGroup;
import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * The variants one request runs and how they combine, for a method and a product group.
 * equitune: one branch over all of G. multi: branch i averages over Gi with the other groups
 * canonicalized, then is symmetrized over every other group. For these, variant 0 is the identity
 * on the original sequence: the base model M(x) that the audit compares against.
 *
 * <p>symsample has two plans. {@link #sampled}: what a request decodes, ONE variant whose element
 * is g^-1 for the drawn g (it runs (g^-1)^-1 x = g x, contributes g^-1 . M(g x), weight 1), plus,
 * only when asked, audit-only variants for every element that run at the first step alone.
 * {@code of(SYMSAMPLE, G)}: the law of that first step marginalized over g, 1/|G| sum_g g^-1 .
 * M(g x), which is equitune's plan (reindex g -> g^-1), used by `score`.
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
  /** Index of the base M(x) variant, -1 when the plan does not run x itself. */
  private final int baseVariant;
  /** symsample: the drawn g (null for every other plan). */
  private final GroupElement sampledElement;
  /** Variants [firstStepOnlyFrom, size) run at the first step only (symsample's audit counterfactuals). */
  private final int firstStepOnlyFrom;

  private VariantPlan(FairnessMethod method, ProductGroup group, List<Variant> variants, List<Branch> branches,
      boolean baseIsExtra) {
    this(method, group, variants, branches, baseIsExtra, 0, null, variants.size());
  }

  private VariantPlan(FairnessMethod method, ProductGroup group, List<Variant> variants, List<Branch> branches,
      boolean baseIsExtra, int baseVariant, GroupElement sampledElement, int firstStepOnlyFrom) {
    this.method = method;
    this.group = group;
    this.variants = List.copyOf(variants);
    this.branches = List.copyOf(branches);
    this.baseIsExtra = baseIsExtra;
    this.baseVariant = baseVariant;
    this.sampledElement = sampledElement;
    this.firstStepOnlyFrom = firstStepOnlyFrom;
  }

  /**
   * symsample for the drawn g: variant 0 has element g^-1, so it runs g x and contributes
   * g^-1 . M(g x) with weight 1; the chosen token y is appended to it as g(y) (mapToken), so the
   * row decodes z = g y. With {@code counterfactualsAtFirstStep}, variants 1..|G| (weight 0,
   * branch -1) run h^-1 x for every h at the first step only, so the audit can measure the base
   * model's counterfactual disparity there; their identity variant is then the base M(x).
   */
  public static VariantPlan sampled(ProductGroup group, GroupElement drawn, boolean counterfactualsAtFirstStep) {
    int factors = group.factorCount();
    boolean[] none = new boolean[factors];
    List<Variant> variants = new ArrayList<>();
    variants.add(new Variant(0, group.inverse(drawn), drawn, none, 1.0));
    int base = -1;
    if (counterfactualsAtFirstStep) {
      for (GroupElement h : group.elements()) {
        if (h.isIdentity()) {
          base = variants.size();
        }
        variants.add(new Variant(-1, h, group.inverse(h), none, 0.0));
      }
    }
    List<Branch> branches = List.of(new Branch(1.0, range(factors), new int[0]));
    return new VariantPlan(FairnessMethod.SYMSAMPLE, group, variants, branches, counterfactualsAtFirstStep, base,
        drawn, 1);
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
      case EQUITUNE, SYMSAMPLE -> {
        // p(x) = 1/|G| sum_g g . M(g^-1 x); the identity element comes first and doubles as the base.
        // For symsample this is the first step marginalized over the drawn g (see the class comment).
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

  /** Index of the base variant M(x), or -1 when the plan does not run x (symsample without counterfactuals). */
  public int baseVariant() {
    return baseVariant;
  }

  /** symsample's drawn g, or null for every other plan (the marginal one included). */
  public GroupElement sampledElement() {
    return sampledElement;
  }

  /** True for the variants that run at the first step only (symsample's audit counterfactuals). */
  public boolean firstStepOnly(int v) {
    return v >= firstStepOnlyFrom;
  }

  /**
   * True when p(g x) = g . p(x) holds step by step, so the audit can check it from the rows: false
   * for none, and for symsample's sampled plan, whose guarantee is over the draw of g.
   */
  public boolean stepEquivariant() {
    return method != FairnessMethod.NONE && sampledElement == null;
  }

  /**
   * The branch whose variants (identity, g^-1) run the audit's reference x' and counterfactual g x'
   * for base disparity of {@code factor}: multi's branch i, equitune's branch 0, symsample's
   * audit-only variants (branch -1).
   */
  public int counterfactualBranch(int factor) {
    if (method == FairnessMethod.MULTI) {
      return factor;
    }
    return sampledElement != null ? -1 : 0;
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
