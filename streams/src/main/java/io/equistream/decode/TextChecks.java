package io.equistream.decode;

/** Text the tokenizer cannot take faithfully: lone UTF-16 surrogates and NUL/control characters. */
final class TextChecks {
  private TextChecks() {
  }

  /** Null when the text is fine, else the reason. */
  static String problem(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
          i++;
          continue;
        }
        return "prompt contains an unpaired UTF-16 surrogate at index " + i;
      }
      if (Character.isLowSurrogate(c)) {
        return "prompt contains an unpaired UTF-16 surrogate at index " + i;
      }
      if (Character.isISOControl(c) && c != '\n' && c != '\t' && c != '\r') {
        return String.format("prompt contains control character U+%04X at index %d", (int) c, i);
      }
    }
    return null;
  }
}
