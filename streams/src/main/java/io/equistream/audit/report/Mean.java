package io.equistream.audit.report;

/** Running mean of finite values that also counts the values left out as not measured (null/NaN/infinite). */
final class Mean {
  private double sum;
  private long count;
  private long notMeasured;

  /** Avro's nullable doubles: null = not measured. */
  void add(Double value) {
    add(value == null ? Double.NaN : value.doubleValue());
  }

  void add(double value) {
    if (Double.isFinite(value)) {
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
