package io.equistream.audit.report;

/** HTML text escaping. Why: completions and orbit words are arbitrary model output. */
final class Html {
  private Html() {}

  /**
   * Escapes text for use in element content and in quoted attribute values. Control
   * characters other than tab, newline and carriage return become U+FFFD, because HTML forbids them.
   */
  static String escape(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&': out.append("&amp;"); break;
        case '<': out.append("&lt;"); break;
        case '>': out.append("&gt;"); break;
        case '"': out.append("&quot;"); break;
        case '\'': out.append("&#39;"); break;
        default:
          boolean control = (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7f && c < 0xa0);
          out.append(control ? '\uFFFD' : c);
      }
    }
    return out.toString();
  }
}
