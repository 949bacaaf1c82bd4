package io.equistream.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.equistream.audit.Measured;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import io.equistream.answer.CompletionRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the diff needs of one replayed request, kept in the results file next to the state file
 * (so a resumed replay's diff covers the requests of earlier runs too, whatever the output).
 */
record ReplayResult(String requestId, String status, String completion, List<Integer> tokenIds, String method,
    double baseDisparity, double fairDisparity) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static ReplayResult of(CompletionRecords.Answer answer) {
    FairCompletion c = answer.completion();
    double[] disparity = disparity(answer.audit());
    return new ReplayResult(c.getRequestId(), c.getStatus().name(), c.getCompletion(),
        List.copyOf(c.getCompletionTokenIds()), c.getMethod(), disparity[0], disparity[1]);
  }

  /**
   * Base and fair disparity of one audit: the mean over its groups of base_mean and fair_mean
   * (null or NaN = not measured, skipped; NaN when none, e.g. method none or a request that was not served).
   */
  static double[] disparity(FairnessAudit audit) {
    if (audit == null) {
      return new double[] {Double.NaN, Double.NaN};
    }
    double base = 0;
    double fair = 0;
    int baseCount = 0;
    int fairCount = 0;
    for (GroupDisparity d : audit.getDisparities()) {
      if (Measured.isMeasured(d.getBaseMean())) {
        base += d.getBaseMean();
        baseCount++;
      }
      if (Measured.isMeasured(d.getFairMean())) {
        fair += d.getFairMean();
        fairCount++;
      }
    }
    return new double[] {baseCount == 0 ? Double.NaN : base / baseCount, fairCount == 0 ? Double.NaN : fair / fairCount};
  }

  String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("request_id", requestId);
    n.put("status", status);
    n.put("completion", completion);
    tokenIds.forEach(n.putArray("token_ids")::add);
    n.put("method", method);
    putNumber(n, "base_disparity", baseDisparity);
    putNumber(n, "fair_disparity", fairDisparity);
    return n.toString();
  }

  static void putNumber(ObjectNode n, String field, double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      n.putNull(field);
    } else {
      n.put(field, value);
    }
  }

  static List<ReplayResult> readAll(Path file) {
    List<ReplayResult> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = JSON.readTree(line);
        List<Integer> ids = new ArrayList<>();
        n.path("token_ids").forEach(t -> ids.add(t.asInt()));
        out.add(new ReplayResult(n.path("request_id").asText(), n.path("status").asText(),
            n.path("completion").asText(), ids, n.path("method").asText(), number(n, "base_disparity"),
            number(n, "fair_disparity")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read results file " + file + ": " + e.getMessage(), e);
    }
    return out;
  }

  private static double number(JsonNode n, String field) {
    JsonNode v = n.get(field);
    return v == null || !v.isNumber() ? Double.NaN : v.doubleValue();
  }
}
