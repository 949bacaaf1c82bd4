package io.equistream.audit.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A replay diff as written by the {@code replay} command: totals plus one entry per replayed
 * request. Missing or null numbers read as NaN (shown as n/a), missing strings as empty; what older
 * diffs did not record (prompt, the runs' settings, per-group disparities) reads as null.
 */
record ReplayDiff(Totals totals, List<Request> requests) {
  record Totals(long requests, long unchanged, long changed, long noOriginal, double meanBaseDisparityBefore,
      double meanBaseDisparityAfter, double meanFairDisparityBefore, double meanFairDisparityAfter) {}

  /** One run's setting (method, groups, model, aggregation) as written; null when not recorded. */
  record Settings(String method, List<String> groups, String model, String aggregate) {}

  /** Base and fair disparity of one group in one run (NaN = not measured). */
  record GroupValues(double base, double fair) {
    boolean measured() {
      return Double.isFinite(base) && Double.isFinite(fair);
    }
  }

  record Request(String requestId, String status, String prompt, String originalCompletion, String replayCompletion,
      Settings original, Settings replay, double baseDisparityBefore, double baseDisparityAfter,
      double fairDisparityBefore, double fairDisparityAfter, Map<String, GroupValues> groupsBefore,
      Map<String, GroupValues> groupsAfter) {
    boolean changed() {
      return "changed".equals(status);
    }

    boolean hasOriginal() {
      return !"no_original".equals(status);
    }
  }

  static ReplayDiff read(Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("diff file " + file + " does not exist");
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("diff file " + file + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read diff file " + file + ": " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("diff file " + file + ": expected a JSON object with \"totals\" and \"requests\"");
    }
    JsonNode totals = root.get("totals");
    JsonNode requests = root.get("requests");
    if (totals == null || !totals.isObject()) {
      throw new IllegalArgumentException("diff file " + file + ": \"totals\" object is missing");
    }
    if (requests != null && !requests.isNull() && !requests.isArray()) {
      throw new IllegalArgumentException("diff file " + file + ": \"requests\" must be an array");
    }
    List<Request> entries = new ArrayList<>();
    if (requests != null && requests.isArray()) {
      for (int i = 0; i < requests.size(); i++) {
        JsonNode r = requests.get(i);
        if (!r.isObject()) {
          throw new IllegalArgumentException("diff file " + file + ": requests[" + i + "] is not an object");
        }
        entries.add(new Request(text(r, "request_id"), text(r, "status"), optionalText(r, "prompt"),
            text(r, "original_completion"), text(r, "replay_completion"), settings(r, "original_"),
            settings(r, "replay_"), number(r, "base_disparity_before"), number(r, "base_disparity_after"),
            number(r, "fair_disparity_before"), number(r, "fair_disparity_after"), groupValues(r, "groups_before"),
            groupValues(r, "groups_after")));
      }
    }
    long changed = entries.stream().filter(Request::changed).count();
    return new ReplayDiff(new Totals(
        count(totals, "requests", entries.size()), count(totals, "unchanged", entries.size() - changed),
        count(totals, "changed", changed),
        count(totals, "no_original", entries.stream().filter(e -> !e.hasOriginal()).count()),
        number(totals, "mean_base_disparity_before"), number(totals, "mean_base_disparity_after"),
        number(totals, "mean_fair_disparity_before"), number(totals, "mean_fair_disparity_after")),
        List.copyOf(entries));
  }

  List<Request> changedRequests() {
    return requests.stream().filter(Request::changed).toList();
  }

  private static Settings settings(JsonNode r, String prefix) {
    JsonNode groups = r.get(prefix + "groups");
    List<String> names = null;
    if (groups != null && groups.isArray()) {
      names = new ArrayList<>();
      for (JsonNode g : groups) {
        names.add(g.asText());
      }
    }
    return new Settings(optionalText(r, prefix + "method"), names, optionalText(r, prefix + "model"),
        optionalText(r, prefix + "aggregate"));
  }

  /** [{"group", "base", "fair"}, ...] by group, in file order; null when the field is absent. */
  private static Map<String, GroupValues> groupValues(JsonNode r, String field) {
    JsonNode list = r.get(field);
    if (list == null || !list.isArray()) {
      return null;
    }
    Map<String, GroupValues> out = new LinkedHashMap<>();
    for (JsonNode g : list) {
      out.put(text(g, "group"), new GroupValues(number(g, "base"), number(g, "fair")));
    }
    return out;
  }

  private static String optionalText(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? null : v.isTextual() ? v.textValue() : v.toString();
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v == null || v.isNull() ? "" : v.isTextual() ? v.textValue() : v.toString();
  }

  private static double number(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return Double.NaN;
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    if (v.isTextual()) {
      try {
        return Double.parseDouble(v.textValue());
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }

  private static long count(JsonNode node, String field, long fallback) {
    JsonNode v = node.get(field);
    return v != null && v.canConvertToLong() && v.isNumber() ? v.longValue() : fallback;
  }
}
