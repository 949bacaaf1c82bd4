package io.equistream.bench;

import java.util.List;
import java.util.Locale;

/** A horizontal bar chart (SVG) of ms per generated token for every decoder configuration. */
final class BenchChart {
  private BenchChart() {
  }

  static String svg(List<DecoderBench.Result> results, String title) {
    int rowHeight = 16;
    int left = 430;
    int width = 1000;
    int top = 40;
    int height = top + rowHeight * results.size() + 40;
    double max = results.stream().mapToDouble(DecoderBench.Result::msPerToken).max().orElse(1);
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"11\">%n",
        width, height));
    svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"20\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
        escape(title)));
    for (int i = 0; i < results.size(); i++) {
      DecoderBench.Result r = results.get(i);
      int y = top + i * rowHeight;
      double w = (width - left - 80) * r.msPerToken() / max;
      String color = switch (r.method()) {
        case "none" -> "#888888";
        case "equitune" -> "#d95f02";
        case "symsample" -> "#7570b3";
        default -> "#1b9e77";
      };
      String label = String.format(Locale.ROOT, "%s%s%s %s, %d attr, x%d", r.method(), r.dedup() ? "" : " (no dedup)",
          r.temperature() > 0 ? " (sampled)" : "", r.groups(), r.attributes(), r.concurrency());
      svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", left - 6,
          y + 12, escape(label)));
      svg.append(String.format(Locale.ROOT,
          "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%.2f ms/token, %.1f tokens/s</title></rect>%n",
          left, y + 2, w, rowHeight - 4, color, r.msPerToken(), r.tokensPerSecond()));
      svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%.1f ms</text>%n", left + w + 4, y + 12,
          r.msPerToken()));
    }
    svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">ms per generated token (per request); grey none,"
        + " orange equitune, green multi, purple symsample</text>%n", left, height - 12));
    svg.append("</svg>\n");
    return svg.toString();
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
