package io.equistream.equivariance;

import java.util.Locale;

/** none: the base model; equitune: average over all of G; multi: the product-group design. */
public enum FairnessMethod {
  NONE, EQUITUNE, MULTI;

  public static FairnessMethod parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("unknown method '" + text + "' (use none, equitune or multi)");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
