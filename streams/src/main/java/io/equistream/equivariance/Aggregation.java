package io.equistream.equivariance;

import java.util.Locale;

/** probs: softmax each variant, then average; logits: average logits, then softmax. */
public enum Aggregation {
  PROBS, LOGITS;

  public static Aggregation parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("unknown aggregate '" + text + "' (use probs or logits)");
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
