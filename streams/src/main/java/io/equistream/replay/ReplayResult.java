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
    double baseDisparity, double fairDisparity, String prompt, List<String> groups, String modelId, String aggregate,
    List<GroupValues> disparities) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One group's base_mean and fair_mean in an audit (NaN = not measured). */
  record GroupValues(String group, double base, double fair) {}

  /** {@code prompt} may be null (not known); results files of older versions read with null/empty extras. */
  static ReplayResult of(CompletionRecords.Answer answer, String prompt) {
    FairCompletion c = answer.completion();
    double[] disparity = disparity(answer.audit());
    return new ReplayResult(c.getRequestId(), c.getStatus().name(), c.getCompletion(),
        List.copyOf(c.getCompletionTokenIds()), c.getMethod(), disparity[0], disparity[1], prompt,
        List.copyOf(c.getGroups()), c.getModelId(), c.getAggregate(), groupValues(answer.audit()));
  }

  /** Per group of an audit, base_mean and fair_mean (null or NaN read as NaN); empty without an audit. */
  static List<GroupValues> groupValues(FairnessAudit audit) {
    List<GroupValues> out = new ArrayList<>();
    if (audit != null) {
      for (GroupDisparity d : audit.getDisparities()) {
        out.add(new GroupValues(d.getGroup(), Measured.orNaN(d.getBaseMean()), Measured.orNaN(d.getFairMean())));
      }
    }
    return out;
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
      double baseMean = Measured.orNaN(d.getBaseMean()); // not measured: NaN, or null in a nullable schema
      if (!Double.isNaN(baseMean)) {
        base += baseMean;
        baseCount++;
      }
      double fairMean = Measured.orNaN(d.getFairMean());
      if (!Double.isNaN(fairMean)) {
        fair += fairMean;
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
    n.put("prompt", prompt);
    groups.forEach(n.putArray("groups")::add);
    n.put("model_id", modelId);
    n.put("aggregate", aggregate);
    putGroupValues(n, "disparities", disparities);
    return n.toString();
  }

  static void putGroupValues(ObjectNode n, String field, List<GroupValues> values) {
    if (values == null) {
      return;
    }
    var array = n.putArray(field);
    for (GroupValues v : values) {
      ObjectNode g = array.addObject().put("group", v.group());
      putNumber(g, "base", v.base());
      putNumber(g, "fair", v.fair());
    }
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
        List<String> groups = new ArrayList<>();
        n.path("groups").forEach(g -> groups.add(g.asText()));
        List<GroupValues> disparities = new ArrayList<>();
        n.path("disparities").forEach(g -> disparities.add(new GroupValues(g.path("group").asText(),
            number(g, "base"), number(g, "fair"))));
        out.add(new ReplayResult(n.path("request_id").asText(), n.path("status").asText(),
            n.path("completion").asText(), ids, n.path("method").asText(), number(n, "base_disparity"),
            number(n, "fair_disparity"), n.hasNonNull("prompt") ? n.get("prompt").asText() : null, groups,
            n.hasNonNull("model_id") ? n.get("model_id").asText() : null,
            n.hasNonNull("aggregate") ? n.get("aggregate").asText() : null,
            n.has("disparities") ? disparities : null));
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
