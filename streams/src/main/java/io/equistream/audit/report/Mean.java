package io.equistream.audit.report;

import io.equistream.audit.Measured;
/** Running mean of finite values that also counts the values left out as not measured (null/NaN/infinite). */
final class Mean {
  private double sum;
  private long count;
  private long notMeasured;

  void add(Double measured) {
    double value = Measured.orNaN(measured);
    if (!Double.isNaN(value)) {
      sum += value;
      count++;
    } else {
      notMeasured++;
    }
  }

  /** NaN when nothing was measured. */
  double value() {
    return count == 0 ? Double.NaN : sum / count;
  }

  long count() {
    return count;
  }

  long notMeasured() {
    return notMeasured;
  }
}
