package io.equistream.audit.report;

import java.util.ArrayList;
import java.util.List;

/** A linear value axis from {@code min} to {@code max} with round tick steps (1, 2, 5 times a power of ten). */
record AxisScale(double min, double max, double step) {
  static final int TARGET_TICKS = 5;

  /** Smallest 1/2/5 x 10^k that is at least {@code raw} (1 for non-positive input). */
  static double niceStep(double raw) {
    if (!(raw > 0) || !Double.isFinite(raw)) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * magnitude >= raw * (1 - 1e-9)) {
        return m * magnitude;
      }
    }
    return 10 * magnitude;
  }

  /** An axis that includes 0 and every finite value given; [0, 1] when there is none. */
  static AxisScale including(Iterable<Double> values) {
    double lo = 0;
    double hi = 0;
    for (Double v : values) {
      if (v != null && Double.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    if (hi - lo <= 0) {
      return new AxisScale(0, 1, 0.2);
    }
    double step = niceStep((hi - lo) / TARGET_TICKS);
    return new AxisScale(Math.floor(lo / step) * step, Math.ceil(hi / step - 1e-9) * step, step);
  }

  /** Position of v as a fraction of the axis, 0 at min and 1 at max. */
  double fraction(double v) {
    return (v - min) / (max - min);
  }

  List<Double> ticks() {
    List<Double> ticks = new ArrayList<>();
    int n = (int) Math.round((max - min) / step);
    for (int i = 0; i <= n; i++) {
      ticks.add(min + i * step);
    }
    return ticks;
  }
}
