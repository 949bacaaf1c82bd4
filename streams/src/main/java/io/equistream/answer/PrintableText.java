package io.equistream.answer;

/**
 * Text that is safe in a log line. Unicode's control (Cc: CR, LF, ESC ...), format (Cf: bidi
 * overrides, zero-width characters), line/paragraph separator, surrogate, private-use and
 * unassigned characters can end a line, reorder what a reader sees or hide text, so they are what
 * makes a string unprintable.
 */
public final class PrintableText {
  private PrintableText() {
  }

  /** Index of the first unprintable character, or -1. */
  public static int firstUnprintable(CharSequence text) {
    for (int i = 0; i < text.length(); ) {
      int cp = Character.codePointAt(text, i);
      if (!printable(cp)) {
        return i;
      }
      i += Character.charCount(cp);
    }
    return -1;
  }

  static boolean printable(int codePoint) {
    return switch (Character.getType(codePoint)) {
      case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
          Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> false;
      default -> true;
    };
  }

  /**
   * One log-safe line of at most {@code maxChars}: unprintable characters become {@code \\uXXXX}
   * (or {@code \\n}, {@code \\r}, {@code \\t}), the rest is cut with "...".
   */
  public static String oneLine(String text, int maxChars) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(Math.min(text.length(), maxChars) + 16);
    int i = 0;
    while (i < text.length() && out.length() <= maxChars) {
      int cp = text.codePointAt(i);
      i += Character.charCount(cp);
      if (printable(cp)) {
        out.appendCodePoint(cp);
      } else {
        out.append(switch (cp) {
          case '\n' -> "\\n";
          case '\r' -> "\\r";
          case '\t' -> "\\t";
          default -> String.format("\\u%04X", cp);
        });
      }
    }
    if (out.length() > maxChars || i < text.length()) {
      out.setLength(Math.max(0, Math.min(out.length(), maxChars) - 3));
      out.append("...");
    }
    return out.toString();
  }

  /** UTF-8 length of a string without encoding it (unpaired surrogates count as the 3 bytes of U+FFFD). */
  public static long utf8Length(CharSequence text) {
    if (text == null) {
      return 0;
    }
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
