package io.equistream.audit.report;

import static io.equistream.audit.report.HtmlTable.num;

import io.equistream.audit.report.ChartData.BarSeries;
import io.equistream.audit.report.ReplayComparison.Row;
import io.equistream.audit.report.ReplayDiff.Request;
import io.equistream.audit.report.ReplayDiff.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/** The "Replay diff" section: what changed, the totals, disparities on matching sets, and every request with its prompt. */
final class ReplayDiffSection {
  static final int MAX_ROWS = 500;
  static final String NOT_RECORDED = "not recorded";
  static final String EXPLANATION = "Logged requests replayed by the replay command and compared with their original"
      + " run. Settings: what each run used, per request (a replay may change the method, the groups, the model or"
      + " the aggregation). Disparities are compared on matching sets only: a group of a request counts when both"
      + " runs measured its base and fair disparity (a group the replay dropped, or a request without an original,"
      + " is left out and counted), and a request's own before \u2192 after is the mean over those groups. Base"
      + " disparity = GroupDisparity.base_mean, fair disparity = fair_mean of the request's audit. For multi a"
      + " group's base disparity is measured at the prompt with the other selected groups' words canonicalized, so"
      + " a replay over other groups measures it at another reference prompt.";

  private final ReplayDiff diff;

  ReplayDiffSection(ReplayDiff diff) {
    this.diff = diff;
  }

  void appendTo(StringBuilder html) {
    Section.open(html, "replay-diff", "Replay diff", EXPLANATION);
    List<Request> requests = diff.requests();
    settings(html, requests);
    ReplayDiff.Totals t = diff.totals();
    html.append(new HtmlTable("data", List.of("requests", "unchanged", "changed", "without original"))
        .row(num(Numbers.count(t.requests())), num(Numbers.count(t.unchanged())), num(Numbers.count(t.changed())),
            num(Numbers.count(t.noOriginal()))));
    Section.subheading(html, "Disparity, original run \u2192 replay, where both runs measured it");
    List<Row> groups = ReplayComparison.byGroup(requests);
    Row all = ReplayComparison.allGroups(requests);
    List<Row> compared = new ArrayList<>(groups.stream().filter(r -> r.compared() > 0).toList());
    if (all.compared() > 0) {
      compared.add(all);
    }
    if (!compared.isEmpty()) {
      html.append(SvgCharts.groupedBars("Mean base disparity, requests measured in both runs", "group",
          "mean base disparity", compared.stream().map(r -> r == all ? "per-request mean" : r.label()).toList(), List.of(
              new BarSeries("original run", "#a6cee3", compared.stream().map(r -> r.baseBefore().value()).toList()),
              new BarSeries("replay", "#1f78b4", compared.stream().map(r -> r.baseAfter().value()).toList()))));
    }
    HtmlTable table = new HtmlTable("data", List.of("group", "requests measured in both", "mean base disparity:"
        + " original", "replay", "mean fair disparity: original", "replay", "left out (measured in one run only)"));
    groups.forEach(r -> row(table, r));
    row(table, all);
    html.append(table);
    if (groups.isEmpty()) {
      Section.note(html, "This diff has no per-group disparities (" + NOT_RECORDED + " by older replay versions);"
          + " only the per-request means are compared.");
    }
    requests(html, requests);
    Section.close(html);
  }

  private static void row(HtmlTable table, Row r) {
    table.row(r.label(), num(Numbers.count(r.compared())), num(Numbers.value(r.baseBefore().value())),
        num(Numbers.value(r.baseAfter().value())), num(Numbers.value(r.fairBefore().value())),
        num(Numbers.value(r.fairAfter().value())), num(Numbers.count(r.leftOut())));
  }

  /** What changed: per setting, each (original, replay) pair and its requests; a one-line summary above. */
  private static void settings(StringBuilder html, List<Request> requests) {
    Map<String, Function<Settings, String>> fields = new LinkedHashMap<>();
    fields.put("method", Settings::method);
    fields.put("groups", s -> s.groups() == null ? null : String.join(", ", s.groups()));
    fields.put("model", Settings::model);
    fields.put("aggregate", Settings::aggregate);
    HtmlTable table = new HtmlTable("data", List.of("setting", "original", "replay", "requests"));
    List<String> changed = new ArrayList<>();
    fields.forEach((name, field) -> {
      Map<List<String>, Long> pairs = new LinkedHashMap<>();
      for (Request r : requests) {
        if (r.hasOriginal()) {
          pairs.merge(java.util.Arrays.asList(field.apply(r.original()), field.apply(r.replay())), 1L, Long::sum);
        }
      }
      pairs.forEach((pair, n) -> {
        String before = Objects.requireNonNullElse(pair.get(0), NOT_RECORDED);
        String after = Objects.requireNonNullElse(pair.get(1), NOT_RECORDED);
        boolean same = Objects.equals(pair.get(0), pair.get(1)) && pair.get(0) != null;
        if (!same && pair.get(0) != null && pair.get(1) != null && !changed.contains(name)) {
          changed.add(name);
        }
        table.row(name, before, same ? after + " (unchanged)" : after, num(Numbers.count(n)));
      });
    });
    html.append("<p class=\"lead\">").append(Html.escape(changed.isEmpty()
        ? "Replayed with the same method, groups, model and aggregation (as far as the diff records them)."
        : "Replayed with changed " + String.join(" and ", changed) + ".")).append("</p>");
    html.append(table);
  }

  /** Changed requests in a table; the others (unchanged, without original) folded below it. */
  private static void requests(StringBuilder html, List<Request> requests) {
    List<Request> changed = requests.stream().filter(Request::changed).toList();
    List<Request> others = requests.stream().filter(r -> !r.changed()).toList();
    Section.subheading(html, "Changed requests (" + changed.size() + ")");
    if (changed.isEmpty()) {
      Section.note(html, "No completion changed.");
    } else {
      Section.wide(html, requestTable(changed));
    }
    if (!others.isEmpty()) {
      Section.folded(html, "Unchanged or without original (" + others.size() + ")", requestTable(others));
    }
    if (changed.size() > MAX_ROWS || others.size() > MAX_ROWS) {
      Section.note(html, "Each table shows its first " + MAX_ROWS + " requests.");
    }
  }

  private static HtmlTable requestTable(List<Request> requests) {
    HtmlTable table = new HtmlTable("data", List.of("request", "prompt", "status", "original completion",
        "replay completion", "base disparity (groups in both)", "fair disparity (groups in both)"));
    for (Request r : requests.subList(0, Math.min(MAX_ROWS, requests.size()))) {
      var m = ReplayComparison.matched(r);
      table.rawRow(
          "<td>" + Html.escape(r.requestId()) + "</td>",
          "<td class=\"text\">" + Html.escape(r.prompt() == null ? NOT_RECORDED : r.prompt()) + "</td>",
          "<td>" + Html.escape(r.status().replace('_', ' ')) + "</td>",
          "<td class=\"text\">" + Html.escape(r.originalCompletion()) + "</td>",
          "<td class=\"text\">" + Html.escape(r.replayCompletion()) + "</td>",
          "<td class=\"num\">" + Html.escape(m.map(x -> arrow(x.baseBefore(), x.baseAfter())).orElse(Numbers.NOT_MEASURED))
              + "</td>",
          "<td class=\"num\">" + Html.escape(m.map(x -> arrow(x.fairBefore(), x.fairAfter())).orElse(Numbers.NOT_MEASURED))
              + "</td>");
    }
    return table;
  }

  private static String arrow(double before, double after) {
    return Numbers.value(before) + " \u2192 " + Numbers.value(after);
  }
}
