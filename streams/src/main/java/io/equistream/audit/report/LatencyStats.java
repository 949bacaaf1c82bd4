package io.equistream.audit.report;

import io.equistream.schemas.FairnessAudit;
import java.util.ArrayList;
import java.util.List;

/** Distribution of total_ms: nearest-rank percentiles and a histogram with round bin widths. */
final class LatencyStats {
  static final int TARGET_BINS = 20;
  private final long[] sortedMillis;

  LatencyStats(List<FairnessAudit> audits) {
    sortedMillis = audits.stream().mapToLong(FairnessAudit::getTotalMs).sorted().toArray();
  }

  boolean isEmpty() {
    return sortedMillis.length == 0;
  }

  /** Nearest-rank percentile, p in (0, 100]; NaN when there are no audits. */
  double percentile(double p) {
    if (sortedMillis.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * sortedMillis.length);
    return sortedMillis[Math.min(sortedMillis.length, Math.max(1, rank)) - 1];
  }

  double mean() {
    if (sortedMillis.length == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (long v : sortedMillis) {
      sum += v;
    }
    return sum / sortedMillis.length;
  }

  /** Bins of a round width from the lowest to the highest latency; every latency falls in one bin. */
  List<ChartData.Bin> histogram() {
    List<ChartData.Bin> bins = new ArrayList<>();
    if (sortedMillis.length == 0) {
      return bins;
    }
    long min = sortedMillis[0];
    long max = sortedMillis[sortedMillis.length - 1];
    double width = Math.max(1, AxisScale.niceStep((max - min) / (double) TARGET_BINS));
    double start = Math.floor(min / width) * width;
    int count = (int) Math.floor((max - start) / width) + 1;
    long[] counts = new long[count];
    for (long v : sortedMillis) {
      counts[Math.min(count - 1, (int) Math.floor((v - start) / width))]++;
    }
    for (int i = 0; i < count; i++) {
      bins.add(new ChartData.Bin(start + i * width, start + (i + 1) * width, counts[i]));
    }
    return bins;
  }
}
