package io.equistream.equivariance;

import java.util.Locale;

/**
 * none: the base model; equitune: average over all of G; multi: the product-group design;
 * symsample: decode the base model on g·x for one g drawn from the request's seed and answer
 * g^-1·z (one sequence per step, equivariant in distribution; see {@link FairDistribution}).
 */
public enum FairnessMethod {
  NONE, EQUITUNE, MULTI, SYMSAMPLE;

  public static FairnessMethod parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("unknown method '" + text + "' (use none, equitune, multi or symsample)");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
