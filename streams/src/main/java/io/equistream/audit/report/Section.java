package io.equistream.audit.report;

/** The pieces every report section is made of: a titled box with an explanation, notes and sub-headings. */
final class Section {
  private Section() {}

  static void open(StringBuilder html, String id, String heading, String explanation) {
    html.append("<section id=\"").append(id).append("\"><h2>").append(Html.escape(heading)).append("</h2>")
        .append("<p class=\"explain\">").append(Html.escape(explanation)).append("</p>");
  }

  static void close(StringBuilder html) {
    html.append("</section>\n");
  }

  static void note(StringBuilder html, String text) {
    html.append("<p class=\"note\">").append(Html.escape(text)).append("</p>");
  }

  static void paragraph(StringBuilder html, String text) {
    html.append("<p>").append(Html.escape(text)).append("</p>");
  }

  static void subheading(StringBuilder html, String text) {
    html.append("<h3>").append(Html.escape(text)).append("</h3>");
  }

  /** A wide table in a box that scrolls sideways instead of widening the page. */
  static void wide(StringBuilder html, HtmlTable table) {
    html.append("<div class=\"wide\">").append(table).append("</div>");
  }

  /** A long table folded away under a summary line. */
  static void folded(StringBuilder html, String summary, HtmlTable table) {
    html.append("<details class=\"table\"><summary>").append(Html.escape(summary)).append("</summary>")
        .append("<div class=\"wide\">").append(table).append("</div></details>");
  }

  static String method(String method) {
    return method == null || method.isEmpty() ? "(empty)" : method;
  }
}
