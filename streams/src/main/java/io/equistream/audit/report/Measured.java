package io.equistream.audit.report;

/**
 * Not-measured values: audits write NaN (schema v1/v2) or, where a schema makes the field nullable,
 * null. Every value the report reads goes through here, so both mean "not measured".
 */
final class Measured {
  private Measured() {}

  /** The value, or NaN when it is null, NaN or infinite. */
  static double of(Double value) {
    return value == null || !Double.isFinite(value) ? Double.NaN : value;
  }
}
