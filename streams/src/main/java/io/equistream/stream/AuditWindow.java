package io.equistream.stream;

import io.equistream.audit.Measured;
import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import java.time.Instant;

/**
 * Running totals of the audits of one window and method+groups, turned into an AuditSummary.
 * Latency quantiles come from a log-scale histogram (10% wide buckets), so state stays bounded.
 * Values an audit did not measure (null, or NaN from v1 writers) are skipped; a summary whose
 * window measured nothing says null.
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
  public long tokens;
  public long lastMillis;
  public long[] latencyBuckets = new long[BUCKETS];

  public AuditWindow add(FairnessAudit audit) {
    count++;
    for (GroupDisparity disparity : audit.getDisparities()) {
      if (Measured.isMeasured(disparity.getBaseMean())) {
        baseDisparitySum += disparity.getBaseMean();
        baseDisparityCount++;
        if (Measured.isMeasured(disparity.getBaseMax())) {
          baseDisparityMax = Math.max(baseDisparityMax, disparity.getBaseMax());
        }
      }
      if (Measured.isMeasured(disparity.getFairMean())) {
        fairDisparitySum += disparity.getFairMean();
        fairDisparityCount++;
      }
    }
    if (Measured.isMeasured(audit.getFairEquivarianceErrorMax())) {
      fairErrorMax = Math.max(fairErrorMax, audit.getFairEquivarianceErrorMax());
      fairErrorCount++;
    }
    interventions += audit.getInterventionCount();
    steps += audit.getSteps();
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
        // fairErrorMax > 0 with no count: state written before fairErrorCount existed
        .setMaxFairEquivarianceError(fairErrorCount > 0 || fairErrorMax > 0 ? fairErrorMax : null)
        .setInterventionRate(steps == 0 ? 0 : (double) interventions / steps)
        .setTokens(tokens)
        .setTokensPerSecond(tokens / elapsedSeconds)
        .setLatencyP50Ms(quantileMillis(0.50))
        .setLatencyP99Ms(quantileMillis(0.99))
        .build();
  }
}
