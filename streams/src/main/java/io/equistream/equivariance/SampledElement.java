package io.equistream.equivariance;

import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;

/**
 * symsample's g, a function of the request's seed alone (so a replay with the reported seed draws
 * the same g):
 *
 * <pre>
 *   r = fmix64(seed) mod |G|            (unsigned; fmix64 = MurmurHash3's 64-bit finalizer)
 *   g = ProductGroup.elements().get(r)  i.e. shift of factor f = (r / prod_{j>f} |Gj|) mod |Gf|
 * </pre>
 *
 * The token draws use {@code new SplittableRandom(seed)}, whose outputs are a different mixer
 * (Stafford's variant 13) of seed + k·0x9e3779b97f4a7c15, so over seeds g is uniform on G and
 * independent of the draws in practice; the modulo bias is |G| / 2^64.
 */
public final class SampledElement {
  private SampledElement() {
  }

  public static GroupElement draw(ProductGroup group, long seed) {
    long index = Long.remainderUnsigned(fmix64(seed), group.size());
    int[] shifts = new int[group.factorCount()];
    for (int f = group.factorCount() - 1; f >= 0; f--) {
      int order = group.factors().get(f).order();
      shifts[f] = (int) (index % order);
      index /= order;
    }
    return new GroupElement(shifts);
  }

  static long fmix64(long k) {
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
