package io.equistream.audit.report;

import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per time bucket (of created_at) aggregates: mean disparities, intervention rate per method and decoding, and
 * completion tokens per second. Audits without a creation time are left out.
 */
final class TimeSeriesStats {
  private final TimeBuckets buckets;
  private final Mean[] baseDisparity;
  private final Mean[] fairDisparity;
  private final long[] tokens;
  private final Map<String, long[][]> interventionsAndSteps = new TreeMap<>();

  TimeSeriesStats(List<FairnessAudit> timedAudits, TimeBuckets buckets) {
    this.buckets = buckets;
    int n = buckets.count();
    baseDisparity = new Mean[n];
    fairDisparity = new Mean[n];
    for (int i = 0; i < n; i++) {
      baseDisparity[i] = new Mean();
      fairDisparity[i] = new Mean();
    }
    tokens = new long[n];
    for (FairnessAudit a : timedAudits) {
      int i = buckets.indexOf(a.getCreatedAt());
      for (GroupDisparity d : a.getDisparities()) {
        baseDisparity[i].add(d.getBaseMean());
        fairDisparity[i].add(d.getFairMean());
      }
      tokens[i] += a.getCompletionTokens();
      long[][] perMethod = interventionsAndSteps.computeIfAbsent(a.getMethod() + " \u00b7 " + Decoding.of(a).label,
          m -> new long[2][n]);
      perMethod[0][i] += a.getInterventionCount();
      perMethod[1][i] += a.getSteps();
    }
  }

  TimeBuckets buckets() {
    return buckets;
  }

  List<ChartData.Point> baseDisparity() {
    return means(baseDisparity);
  }

  List<ChartData.Point> fairDisparity() {
    return means(fairDisparity);
  }

  /** Per "method · decoding", interventions / steps in each bucket that has steps of it. */
  Map<String, List<ChartData.Point>> interventionRateByMethod() {
    Map<String, List<ChartData.Point>> out = new TreeMap<>();
    interventionsAndSteps.forEach((method, sums) -> {
      List<ChartData.Point> points = new ArrayList<>();
      for (int i = 0; i < buckets.count(); i++) {
        if (sums[1][i] > 0) {
          points.add(new ChartData.Point(buckets.bucketMiddle(i), (double) sums[0][i] / sums[1][i]));
        }
      }
      out.put(method, points);
    });
    return out;
  }

  /** Completion tokens per second of each bucket (every bucket, empty ones as 0). */
  List<ChartData.Point> tokensPerSecond() {
    List<ChartData.Point> points = new ArrayList<>();
    for (int i = 0; i < buckets.count(); i++) {
      points.add(new ChartData.Point(buckets.bucketMiddle(i), tokens[i] / buckets.widthSeconds()));
    }
    return points;
  }

  private List<ChartData.Point> means(Mean[] means) {
    List<ChartData.Point> points = new ArrayList<>();
    for (int i = 0; i < means.length; i++) {
      if (means[i].count() > 0) {
        points.add(new ChartData.Point(buckets.bucketMiddle(i), means[i].value()));
      }
    }
    return points;
  }
}
