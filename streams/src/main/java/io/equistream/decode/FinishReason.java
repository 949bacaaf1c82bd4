package io.equistream.decode;

import java.util.Locale;

/** Why a completion ended. */
public enum FinishReason {
  LENGTH, EOS, STOP, CONTEXT, DEADLINE;

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
