package io.equistream;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Pearson's chi-square test of homogeneity for two samples of categories, and its p-value from the
 * regularized upper incomplete gamma function Q(df/2, x/2) (Numerical Recipes' series and
 * continued fraction, Lanczos log-gamma).
 */
public final class ChiSquare {
  /** The statistic, its degrees of freedom, the p-value, and how many categories were pooled as "other". */
  public record Result(double statistic, int degreesOfFreedom, double pValue, int categories, int pooledIntoOther) {
  }

  private ChiSquare() {
  }

  /**
   * Two samples, one 2 x K table; categories whose pooled count is below {@code minPooled} are
   * merged into one "other" category (kept when that is itself at least {@code minPooled}), so every
   * expected count is large enough for the chi-square approximation.
   */
  public static <K> Result homogeneity(Map<K, Long> a, Map<K, Long> b, long minPooled) {
    Set<K> keys = new HashSet<>(a.keySet());
    keys.addAll(b.keySet());
    double totalA = a.values().stream().mapToLong(Long::longValue).sum();
    double totalB = b.values().stream().mapToLong(Long::longValue).sum();
    java.util.List<long[]> cells = new java.util.ArrayList<>();
    long[] other = new long[2];
    int pooled = 0;
    for (K key : keys) {
      long countA = a.getOrDefault(key, 0L);
      long countB = b.getOrDefault(key, 0L);
      if (countA + countB >= minPooled) {
        cells.add(new long[] {countA, countB});
      } else {
        other[0] += countA;
        other[1] += countB;
        pooled++;
      }
    }
    if (other[0] + other[1] >= minPooled) {
      cells.add(other);
    }
    double statistic = 0;
    double total = totalA + totalB;
    for (long[] cell : cells) {
      double pooledCount = cell[0] + cell[1];
      double expectedA = pooledCount * totalA / total;
      double expectedB = pooledCount * totalB / total;
      statistic += sq(cell[0] - expectedA) / expectedA + sq(cell[1] - expectedB) / expectedB;
    }
    int df = Math.max(1, cells.size() - 1);
    return new Result(statistic, df, pValue(statistic, df), cells.size(), pooled);
  }

  private static double sq(double x) {
    return x * x;
  }

  /** P(X >= statistic) for X ~ chi-square with df degrees of freedom. */
  public static double pValue(double statistic, int df) {
    return upperGamma(df / 2.0, statistic / 2.0);
  }

  static double upperGamma(double a, double x) {
    if (x <= 0) {
      return 1;
    }
    double prefix = Math.exp(-x + a * Math.log(x) - logGamma(a));
    if (x < a + 1) {
      double term = 1 / a;
      double sum = term;
      for (int n = 1; n < 10_000 && Math.abs(term) > Math.abs(sum) * 1e-16; n++) {
        term *= x / (a + n);
        sum += term;
      }
      return Math.max(0, 1 - sum * prefix);
    }
    double tiny = 1e-300;
    double b = x + 1 - a;
    double c = 1 / tiny;
    double d = 1 / b;
    double h = d;
    for (int i = 1; i < 10_000; i++) {
      double an = -i * (i - a);
      b += 2;
      d = an * d + b;
      d = Math.abs(d) < tiny ? tiny : d;
      c = b + an / c;
      c = Math.abs(c) < tiny ? tiny : c;
      d = 1 / d;
      double delta = d * c;
      h *= delta;
      if (Math.abs(delta - 1) < 1e-16) {
        break;
      }
    }
    return prefix * h;
  }

  static double logGamma(double x) {
    double[] g = {676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};
    if (x < 0.5) {
      return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
    }
    x -= 1;
    double sum = 0.99999999999980993;
    for (int i = 0; i < g.length; i++) {
      sum += g[i] / (x + i + 1);
    }
    double t = x + g.length - 0.5;
    return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum);
  }
}
