package io.equistream.audit.report;

import java.util.List;

/** A plain HTML table of escaped text cells. */
final class HtmlTable {
  private static final String NUMBER = "\u0001"; // marks a numeric cell; never shown
  private final StringBuilder html = new StringBuilder();

  HtmlTable(String cssClass, List<String> headers) {
    html.append("<table class=\"").append(Html.escape(cssClass)).append("\"><thead><tr>");
    headers.forEach(h -> html.append("<th>").append(Html.escape(h)).append("</th>"));
    html.append("</tr></thead><tbody>");
  }

  /** A row of text cells; cells made with {@link #num} are right-aligned numbers. */
  HtmlTable row(String... cells) {
    html.append("<tr>");
    for (String cell : cells) {
      boolean number = cell.startsWith(NUMBER);
      html.append(number ? "<td class=\"num\">" : "<td>").append(Html.escape(number ? cell.substring(1) : cell))
          .append("</td>");
    }
    html.append("</tr>");
    return this;
  }

  /** A row whose cells are given as already-escaped HTML (for multi-line text cells). */
  HtmlTable rawRow(String... htmlCells) {
    html.append("<tr>");
    for (String cell : htmlCells) {
      html.append(cell);
    }
    html.append("</tr>");
    return this;
  }

  static String num(String formatted) {
    return NUMBER + formatted;
  }

  @Override
  public String toString() {
    return html + "</tbody></table>";
  }
}
