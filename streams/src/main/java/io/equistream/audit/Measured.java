package io.equistream.audit;

/**
 * "Not measured" (method none has no disparity; a step-less answer has no mass) is null on the wire
 * since the v2 schemas, NaN in records written before them, and NaN in memory, where the math
 * skips it. These convert at the boundary, so every reader treats both the same.
 */
public final class Measured {
  private Measured() {
  }

  /** The value to write: null when not measured. */
  public static Double orNull(double value) {
    return Double.isNaN(value) ? null : value;
  }

  /** The value as read, NaN when not measured (null, NaN, or a broken infinite value). */
  public static double orNaN(Double value) {
    return value == null || !Double.isFinite(value) ? Double.NaN : value;
  }

  public static boolean isMeasured(Double value) {
    return value != null && !Double.isNaN(value);
  }
}
