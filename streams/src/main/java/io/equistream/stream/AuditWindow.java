package io.equistream.stream;

import io.equistream.audit.Measured;
import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import java.time.Instant;

/**
 * Running totals of the audits of one window and method+groups, turned into an AuditSummary
 * (definitions in the AuditSummary schema and the README). Latency quantiles come from a log-scale
 * histogram (10% wide buckets), so state stays bounded. Values an audit did not measure (null, or
 * NaN from v1 writers) are skipped; a summary whose window measured nothing says null. Fields are
 * public for the JSON state serde; fields added later read as 0 from older state.
 */
public final class AuditWindow {
  static final double BUCKET_GROWTH = 1.1;
  static final int BUCKETS = 160;

  public long count;
  public double baseDisparitySum;
  public long baseDisparityCount;
  public double baseDisparityMax;
  public double fairDisparitySum;
  public long fairDisparityCount;
  public double fairErrorMax;
  public long fairErrorCount;
  public long interventions;
  public long steps;
  public long greedySteps;
  public long greedyInterventions;
  public long sampledSteps;
  public long sampledInterventions;
  public long tokens;
  public long lastMillis;
  public long[] latencyBuckets = new long[BUCKETS];

  public AuditWindow add(FairnessAudit audit) {
    count++;
    for (GroupDisparity disparity : audit.getDisparities()) {
      double baseMean = Measured.orNaN(disparity.getBaseMean());
      if (!Double.isNaN(baseMean)) {
        baseDisparitySum += baseMean;
        baseDisparityCount++;
        double baseMax = Measured.orNaN(disparity.getBaseMax());
        baseDisparityMax = Math.max(baseDisparityMax, Double.isNaN(baseMax) ? baseMean : baseMax);
      }
      double fairMean = Measured.orNaN(disparity.getFairMean());
      if (!Double.isNaN(fairMean)) {
        fairDisparitySum += fairMean;
        fairDisparityCount++;
      }
    }
    double fairError = Measured.orNaN(audit.getFairEquivarianceErrorMax());
    if (!Double.isNaN(fairError)) {
      fairErrorMax = fairErrorCount == 0 ? fairError : Math.max(fairErrorMax, fairError);
      fairErrorCount++;
    }
    interventions += audit.getInterventionCount();
    steps += audit.getSteps();
    if (Boolean.TRUE.equals(audit.getSampled())) {
      sampledSteps += audit.getSteps();
      sampledInterventions += audit.getInterventionCount();
    } else if (Boolean.FALSE.equals(audit.getSampled())) {
      greedySteps += audit.getSteps();
      greedyInterventions += audit.getInterventionCount();
    }
    tokens += audit.getCompletionTokens();
    lastMillis = Math.max(lastMillis, audit.getCreatedAt().toEpochMilli());
    latencyBuckets[bucketOf(audit.getTotalMs())]++;
    return this;
  }

  static int bucketOf(long millis) {
    if (millis <= 1) {
      return 0;
    }
    return (int) Math.min(BUCKETS - 1, Math.ceil(Math.log(millis) / Math.log(BUCKET_GROWTH)));
  }

  /** The upper edge of the bucket holding the q-quantile. */
  double quantileMillis(double q) {
    long total = 0;
    for (long n : latencyBuckets) {
      total += n;
    }
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(q * total);
    long seen = 0;
    for (int b = 0; b < BUCKETS; b++) {
      seen += latencyBuckets[b];
      if (seen >= rank) {
        return b == 0 ? 1 : Math.pow(BUCKET_GROWTH, b);
      }
    }
    return Math.pow(BUCKET_GROWTH, BUCKETS - 1);
  }

  AuditSummary toSummary(String method, String groups, long windowStart, long windowEnd) {
    double elapsedSeconds = Math.max(0.001, (Math.min(lastMillis, windowEnd) - windowStart) / 1000.0);
    return AuditSummary.newBuilder()
        .setMethod(method)
        .setGroups(groups)
        .setWindowStart(Instant.ofEpochMilli(windowStart))
        .setWindowEnd(Instant.ofEpochMilli(windowEnd))
        .setCount(count)
        .setMeanBaseDisparity(baseDisparityCount == 0 ? null : baseDisparitySum / baseDisparityCount)
        .setMaxBaseDisparity(baseDisparityCount == 0 ? null : baseDisparityMax)
        .setMeanFairDisparity(fairDisparityCount == 0 ? null : fairDisparitySum / fairDisparityCount)
        // (state written before fairErrorCount existed has a count of 0 and its maximum)
        .setMaxFairEquivarianceError(fairErrorCount == 0 && fairErrorMax == 0 ? null : fairErrorMax)
        .setInterventionRate(steps == 0 ? 0 : (double) interventions / steps)
        .setGreedySteps(greedySteps)
        .setGreedyInterventions(greedyInterventions)
        .setSampledSteps(sampledSteps)
        .setSampledInterventions(sampledInterventions)
        .setTokens(tokens)
        .setTokensPerSecond(tokens / elapsedSeconds)
        .setLatencyP50Ms(quantileMillis(0.50))
        .setLatencyP99Ms(quantileMillis(0.99))
        .build();
  }
}
