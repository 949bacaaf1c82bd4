package io.equistream.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;

/**
 * The replay diff: per request unchanged / changed (completion token ids or status differ;
 * {@code no_original} when the compared run has no completion for it), the prompt, original vs replay
 * text, each run's method, groups, model and aggregation, base and fair disparity before (original
 * audit) and after (replay audit) as per-request means and per group ({@code groups_before/after}),
 * and totals (means over the requests that have each value, not matched: {@code report --diff}
 * compares matching sets from the per-group values). The JSON shape is what {@code report --diff}
 * reads (audit.report.ReplayDiff); NaN is written as null.
 */
final class DiffReport {
  record Totals(long requests, long unchanged, long changed, long noOriginal, double meanBaseBefore,
      double meanBaseAfter, double meanFairBefore, double meanFairAfter) {
    String line() {
      return String.format(Locale.ROOT, "diff: %d requests, %d unchanged, %d changed%s; mean base disparity %s -> %s,"
          + " mean fair disparity %s -> %s (each over the requests that have it; report --diff compares matching"
          + " sets)", requests, unchanged, changed,
          noOriginal > 0 ? ", " + noOriginal + " without original" : "", fmt(meanBaseBefore), fmt(meanBaseAfter),
          fmt(meanFairBefore), fmt(meanFairAfter));
    }

    private static String fmt(double v) {
      return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.6f", v);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private final ObjectNode root = JSON.createObjectNode();
  private final Totals totals;

  DiffReport(List<ReplayResult> results, Originals originals) {
    ArrayNode requests = JSON.createArrayNode();
    long unchanged = 0;
    long changed = 0;
    long noOriginal = 0;
    Mean baseBefore = new Mean();
    Mean baseAfter = new Mean();
    Mean fairBefore = new Mean();
    Mean fairAfter = new Mean();
    for (ReplayResult r : results) {
      FairCompletion original = originals.completions.get(r.requestId());
      double[] before = ReplayResult.disparity(originals.audits.get(r.requestId()));
      String status;
      if (original == null) {
        status = "no_original";
        noOriginal++;
      } else if (original.getStatus().name().equals(r.status())
          && original.getCompletionTokenIds().equals(r.tokenIds())) {
        status = "unchanged";
        unchanged++;
      } else {
        status = "changed";
        changed++;
      }
      ObjectNode n = requests.addObject();
      n.put("request_id", r.requestId());
      n.put("status", status);
      n.put("original_completion", original == null ? null : original.getCompletion());
      n.put("replay_completion", r.completion());
      n.put("original_status", original == null ? null : original.getStatus().name());
      n.put("replay_status", r.status());
      n.put("prompt", r.prompt());
      n.put("original_method", original == null ? null : original.getMethod());
      n.put("replay_method", r.method());
      if (original != null) {
        original.getGroups().forEach(n.putArray("original_groups")::add);
      }
      if (r.groups() != null) {
        r.groups().forEach(n.putArray("replay_groups")::add);
      }
      n.put("original_model", original == null ? null : original.getModelId());
      n.put("replay_model", r.modelId());
      n.put("original_aggregate", original == null ? null : original.getAggregate());
      n.put("replay_aggregate", r.aggregate());
      ReplayResult.putNumber(n, "base_disparity_before", before[0]);
      ReplayResult.putNumber(n, "base_disparity_after", r.baseDisparity());
      ReplayResult.putNumber(n, "fair_disparity_before", before[1]);
      ReplayResult.putNumber(n, "fair_disparity_after", r.fairDisparity());
      FairnessAudit originalAudit = originals.audits.get(r.requestId());
      if (originalAudit != null) {
        ReplayResult.putGroupValues(n, "groups_before", ReplayResult.groupValues(originalAudit));
      }
      ReplayResult.putGroupValues(n, "groups_after", r.disparities());
      baseBefore.add(before[0]);
      baseAfter.add(r.baseDisparity());
      fairBefore.add(before[1]);
      fairAfter.add(r.fairDisparity());
    }
    totals = new Totals(results.size(), unchanged, changed, noOriginal, baseBefore.value(), baseAfter.value(),
        fairBefore.value(), fairAfter.value());
    ObjectNode t = root.putObject("totals");
    t.put("requests", totals.requests());
    t.put("unchanged", totals.unchanged());
    t.put("changed", totals.changed());
    t.put("no_original", totals.noOriginal());
    ReplayResult.putNumber(t, "mean_base_disparity_before", totals.meanBaseBefore());
    ReplayResult.putNumber(t, "mean_base_disparity_after", totals.meanBaseAfter());
    ReplayResult.putNumber(t, "mean_fair_disparity_before", totals.meanFairBefore());
    ReplayResult.putNumber(t, "mean_fair_disparity_after", totals.meanFairAfter());
    root.set("requests", requests);
  }

  Totals totals() {
    return totals;
  }

  void write(Path file) {
    try {
      Path target = file.toAbsolutePath();
      Files.createDirectories(target.getParent());
      Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
      JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write diff " + file + ": " + e.getMessage(), e);
    }
  }

  /** Mean of the non-NaN values; NaN when there are none. */
  private static final class Mean {
    double sum;
    long count;

    void add(double v) {
      if (!Double.isNaN(v) && !Double.isInfinite(v)) {
        sum += v;
        count++;
      }
    }

    double value() {
      return count == 0 ? Double.NaN : sum / count;
    }
  }
}
