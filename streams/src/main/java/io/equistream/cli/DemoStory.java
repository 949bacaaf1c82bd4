package io.equistream.cli;

import io.equistream.audit.Measured;
import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import java.io.PrintStream;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** The demo's stdout: counterfactual pairs side by side, their verdicts, totals and the audit summary. */
final class DemoStory {
  static final int STEPS = 5;
  private static final int MAX_COLUMN = 44;

  private final PrintStream out;

  DemoStory(PrintStream out) {
    this.out = out;
  }

  void step(int step, String what) {
    out.printf(Locale.ROOT, "[%d/%d] %s%n", step, STEPS, what);
    out.flush();
  }

  void line(String text) {
    out.println(text);
  }

  /** One block per pair: prompts, base and fair completions side by side, each with its verdict. */
  void pairs(List<PairResult> results, String fairMethod) {
    for (PairResult r : results) {
      CounterfactualPair pair = r.pair();
      String[][] rows = {
          {"prompt", pair.first().getPrompt(), pair.second().getPrompt(), ""},
          {"base", text(r.baseFirst()), text(r.baseSecond()), r.base().detail()},
          {"fair", text(r.fairFirst()), text(r.fairSecond()), r.fair().detail()}};
      int left = 0;
      int right = 0;
      for (String[] row : rows) {
        left = Math.max(left, Math.min(MAX_COLUMN, row[1].length()));
        right = Math.max(right, Math.min(MAX_COLUMN, row[2].length()));
      }
      out.printf(Locale.ROOT, "%n  %s %s%s%n", pair.id(), pair.label(), Double.isNaN(r.baseDisparity()) ? ""
          : String.format(Locale.ROOT, " (base disparity of the swapped %s: %.3f per step)",
              pair.label().contains("+") ? "groups" : "group", r.baseDisparity()));
      for (String[] row : rows) {
        String label = row[0].equals("fair") ? "fair (" + fairMethod + ")" : row[0];
        out.printf(Locale.ROOT, "    %-13s %-" + left + "s | %-" + right + "s  %s%n", label, fit(row[1]),
            fit(row[2]), row[3]).flush();
      }
    }
  }

  /** Pairs whose base answers break the swap, per label and in all; the same for fair. */
  void totals(List<PairResult> results, String fairMethod) {
    out.printf(Locale.ROOT, "  %-14s breaks the swap in %s   %s%n", "base (none):",
        share(results, r -> r.base()), byLabel(results));
    out.printf(Locale.ROOT, "  %-14s breaks the swap in %s%n", "fair (" + fairMethod + "):",
        share(results, r -> r.fair()));
    double sum = 0;
    int count = 0;
    for (PairResult r : results) {
      if (!Double.isNaN(r.baseDisparity())) {
        sum += r.baseDisparity();
        count++;
      }
    }
    if (count > 0) {
      out.printf(Locale.ROOT, "  base disparity of the swapped groups, mean over %d pairs: %.3f per step"
          + " (TV distance of the base model's next-token distributions on the two sides)%n", count, sum / count);
    }
  }

  /** The fair method's summaries (the base model's own requests measure no disparity). */
  void summaries(Collection<AuditSummary> summaries, String fairMethod) {
    out.printf(Locale.ROOT, "  %-8s %-34s %6s %10s %10s %8s %7s %7s %7s%n", "method", "groups", "count", "base-disp",
        "fair-disp", "interv.", "tokens", "p50 ms", "p99 ms");
    for (AuditSummary s : summaries) {
      if (!s.getMethod().equals(fairMethod)) {
        continue;
      }
      out.printf(Locale.ROOT, "  %-8s %-34s %6d %10s %10s %8.3f %7d %7.0f %7.0f%n", s.getMethod(),
          String.join(",", s.getGroups()), s.getCount(), measured("%.4f", s.getMeanBaseDisparity()),
          measured("%.2e", s.getMeanFairDisparity()),
          s.getInterventionRate(), s.getTokens(), s.getLatencyP50Ms(), s.getLatencyP99Ms());
    }
  }

  /** n/a for what a method does not measure. */
  private static String measured(String format, Double value) {
    return Measured.isMeasured(value) ? String.format(Locale.ROOT, format, value) : "n/a";
  }

  static long broken(List<PairResult> results, Function<PairResult, SwapVerdict> verdict) {
    return results.stream().filter(r -> verdict.apply(r).breaks()).count();
  }

  private static String share(List<PairResult> results, Function<PairResult, SwapVerdict> verdict) {
    long answered = results.stream().filter(r -> verdict.apply(r).answered()).count();
    long broken = broken(results, verdict);
    return String.format(Locale.ROOT, "%d of %d pairs (%.0f%%)%s", broken, results.size(),
        100.0 * broken / results.size(), answered == results.size() ? "" : ", " + (results.size() - answered)
            + " not answered");
  }

  private static String byLabel(List<PairResult> results) {
    Map<String, long[]> counts = new LinkedHashMap<>();
    for (PairResult r : results) {
      long[] c = counts.computeIfAbsent(r.pair().label().contains("+") ? "intersectional" : r.pair().label(),
          k -> new long[2]);
      c[0] += r.base().breaks() ? 1 : 0;
      c[1]++;
    }
    StringBuilder text = new StringBuilder();
    counts.forEach((label, c) -> text.append(text.length() == 0 ? "" : ", ").append(label).append(' ')
        .append(c[0]).append('/').append(c[1]));
    return text.toString();
  }

  private static String text(FairCompletion completion) {
    // Newlines stay visible (a verdict may name one); other whitespace runs become one space.
    return completion.getStatus() == CompletionStatus.OK
        ? completion.getCompletion().strip().replace("\n", "\\n").replaceAll("\\s+", " ")
        : completion.getStatus().toString();
  }

  private static String fit(String text) {
    return text.length() <= MAX_COLUMN ? text : text.substring(0, MAX_COLUMN - 3) + "...";
  }
}
