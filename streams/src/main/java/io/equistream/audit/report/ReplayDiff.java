package io.equistream.audit.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A replay diff as written by the {@code replay} command: totals plus one entry per replayed
 * request. Missing or null numbers read as NaN (shown as n/a), missing strings as empty.
 */
record ReplayDiff(Totals totals, List<Request> requests) {
  record Totals(long requests, long unchanged, long changed, double meanBaseDisparityBefore,
      double meanBaseDisparityAfter, double meanFairDisparityBefore, double meanFairDisparityAfter) {}

  record Request(String requestId, String status, String originalCompletion, String replayCompletion,
      double baseDisparityBefore, double baseDisparityAfter, double fairDisparityBefore,
      double fairDisparityAfter) {
    boolean changed() {
      return "changed".equals(status);
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
        entries.add(new Request(text(r, "request_id"), text(r, "status"), text(r, "original_completion"),
            text(r, "replay_completion"), number(r, "base_disparity_before"), number(r, "base_disparity_after"),
            number(r, "fair_disparity_before"), number(r, "fair_disparity_after")));
      }
    }
    long changed = entries.stream().filter(Request::changed).count();
    return new ReplayDiff(new Totals(
        count(totals, "requests", entries.size()), count(totals, "unchanged", entries.size() - changed),
        count(totals, "changed", changed),
        number(totals, "mean_base_disparity_before"), number(totals, "mean_base_disparity_after"),
        number(totals, "mean_fair_disparity_before"), number(totals, "mean_fair_disparity_after")),
        List.copyOf(entries));
  }

  List<Request> changedRequests() {
    return requests.stream().filter(Request::changed).toList();
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
