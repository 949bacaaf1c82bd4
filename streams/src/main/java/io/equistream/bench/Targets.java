package io.equistream.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The targets of the issues, as numbers from one run: measured vs wanted. */
final class Targets {
  private static final String THREE = "2x4x4";
  private static final double GIB = 1 << 30;

  private Targets() {
  }

  record Check(String target, double measured, String comparison, double wanted, boolean met) {
  }

  static Map<String, Object> evaluate(List<DecoderBench.Result> results, Map<String, Object> report) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Check> checks = checks(results, report);
    out.put("checks", checks);
    out.put("met", checks.stream().filter(Check::met).count());
    out.put("total", checks.size());
    return out;
  }

  static List<Check> checks(List<DecoderBench.Result> results, Map<String, Object> report) {
    List<Check> checks = new ArrayList<>();
    if (report.get("speed") instanceof List<?> speed && !speed.isEmpty()) {
      for (Object row : speed) {
        SpeedBench.Result r = (SpeedBench.Result) row;
        checks.add(check(String.format(Locale.ROOT, "fair / bare ORT rows/s at %.0f rows per step (%s, x%d), best of"
            + " alternating runs", r.rowsPerStep(), r.method(), r.concurrency()), r.keptOfBare(), ">=", 0.85));
      }
    } else {
      engineSpeed(results, checks);
    }
    methodCosts(results, checks);
    if (report.get("head_of_line") instanceof HeadOfLineBench.Result hol) {
      checks.add(check("extra decoding steps a 1-token request waits during a 60-token one", hol.extraSteps(), "<=", 4));
    }
    if (report.get("prefix_sharing") instanceof PrefixBench.Result prefix) {
      checks.add(check("prefill of a " + prefix.promptTokens() + "-token prompt, one orbit word at " + prefix.wordPosition()
          + ": multi (all groups) / none", prefix.sharedOverNone(), "<=", 1.3));
    }
    if (report.get("kafka") instanceof KafkaBench.Result kafka) {
      checks.add(check("Kafka / in-process engine tokens/s at saturation, mixed workload", kafka.ratio(), ">=", 0.9));
      double budget = kafka.idlePrefillAndStepMs() + kafka.commitIntervalMs() + 50;
      checks.add(check("first chunk p50 at idle, ms (wanted: prefill + step " + String.format(Locale.ROOT, "%.0f",
          kafka.idlePrefillAndStepMs()) + " + commit " + kafka.commitIntervalMs() + " + 50)", kafka.firstChunkIdle().p50Ms(),
          "<=", budget));
    }
    memory(report, checks);
    sampled(results, checks);
    return checks;
  }

  /** Issue 16: symsample costs what none costs (one sequence per step), sampled alike. */
  private static void sampled(List<DecoderBench.Result> results, List<Check> checks) {
    int many = results.stream().mapToInt(DecoderBench.Result::concurrency).max().orElse(1);
    for (int concurrency : List.of(1, many)) {
      Optional<DecoderBench.Result> symsample = findSampled(results, "symsample", concurrency);
      Optional<DecoderBench.Result> none = findSampled(results, "none", concurrency);
      if (symsample.isPresent() && none.isPresent()) {
        checks.add(check("symsample/none tokens/s, sampled, " + symsample.get().groups() + ", all attributes, x"
            + concurrency, symsample.get().tokensPerSecond() / none.get().tokensPerSecond(), ">=", 0.95));
      }
    }
  }

  /** The sampled row of a method (symsample or its none baseline) at a concurrency. */
  private static Optional<DecoderBench.Result> findSampled(List<DecoderBench.Result> results, String method,
      int concurrency) {
    return results.stream()
        .filter(r -> r.method().equals(method) && r.temperature() > 0 && r.concurrency() == concurrency)
        .findFirst();
  }

  /** Issue 11: the fair decoder keeps >= 85% of bare ORT rows/s at 1, 9, 16, 32 and 144 rows per step. */
  private static void engineSpeed(List<DecoderBench.Result> results, List<Check> checks) {
    int many = results.stream().mapToInt(DecoderBench.Result::concurrency).max().orElse(1);
    List<Optional<DecoderBench.Result>> rows = List.of(find(results, "none", 0, 1), find(results, "multi", 3, 1),
        find(results, "none", 0, many), find(results, "equitune", 3, 1), find(results, "multi", 3, many));
    for (Optional<DecoderBench.Result> row : rows) {
      row.ifPresent(r -> checks.add(check(String.format(Locale.ROOT, "fair / bare ORT rows/s at %.0f rows per step (%s,"
          + " x%d)", r.sequencesPerStep() * r.concurrency(), r.method(), r.concurrency()), r.keptOfBare(), ">=", 0.85)));
    }
  }

  /** Issue 6: what the fair methods cost against each other and against none. */
  private static void methodCosts(List<DecoderBench.Result> results, List<Check> checks) {
    int many = results.stream().mapToInt(DecoderBench.Result::concurrency).max().orElse(1);
    for (int concurrency : List.of(1, many)) {
      ratio(results, "multi", "equitune", 3, concurrency).ifPresent(r -> checks.add(check(
          "multi/equitune ms per token, 2x4x4, all attributes, x" + concurrency, r, "<=", 1.15 * 10 / 32)));
    }
    for (String method : List.of("equitune", "multi")) {
      ratio(results, method, "none", 0, 1).ifPresent(r -> checks.add(check(
          method + "/none ms per token, no orbit word (dedup)", r, "<=", 1.15)));
      ratio(results, method, "none", 1, 1).ifPresent(r -> checks.add(check(
          method + "/none ms per token, one attribute (dedup)", r, "<=", 2.3)));
    }
  }

  @SuppressWarnings("unchecked")
  private static void memory(Map<String, Object> report, List<Check> checks) {
    if (report.get("memory_long_prompts") instanceof Map<?, ?> raw) {
      Map<String, Object> m = (Map<String, Object>) raw;
      double allowed = (number(m, "budget_bytes") + number(m, "model_bytes")) / GIB + 1;
      checks.add(check(m.get("requests") + " requests of " + m.get("prompt_tokens") + " prompt tokens (multi, all"
          + " groups): answered OK", number(m, "answered_ok"), ">=", number(m, "requests")));
      checks.add(check("their peak RSS, GiB (wanted: budget + model + 1 GiB)", number(m, "peak_rss_bytes") / GIB, "<=",
          allowed));
    }
    if (report.get("memory_service") instanceof Map<?, ?> raw) {
      Map<String, Object> m = (Map<String, Object>) raw;
      checks.add(check("service at " + m.get("heap") + ", " + m.get("requests") + " prompts of " + m.get("prompt_tokens")
          + " tokens: peak RSS, GiB", number(m, "peak_rss_bytes") / GIB, "<=", 2));
    }
  }

  private static double number(Map<String, Object> map, String key) {
    return ((Number) map.get(key)).doubleValue();
  }

  private static Check check(String target, double measured, String comparison, double wanted) {
    boolean met = comparison.equals("<=") ? measured <= wanted : measured >= wanted;
    return new Check(target, measured, comparison, wanted, met);
  }

  private static Optional<DecoderBench.Result> find(List<DecoderBench.Result> results, String method, int attributes,
      int concurrency) {
    return results.stream()
        .filter(r -> r.method().equals(method) && r.dedup() && r.groups().equals(THREE)
            && r.attributes() == attributes && r.concurrency() == concurrency && r.temperature() == 0)
        .findFirst();
  }

  private static Optional<Double> ratio(List<DecoderBench.Result> results, String method, String baseline,
      int attributes, int concurrency) {
    Optional<DecoderBench.Result> a = find(results, method, attributes, concurrency);
    Optional<DecoderBench.Result> b = find(results, baseline, attributes, concurrency);
    return a.isPresent() && b.isPresent() ? Optional.of(a.get().msPerToken() / b.get().msPerToken()) : Optional.empty();
  }

  /** The Markdown tables the README carries. */
  static String table(List<DecoderBench.Result> results, Map<String, Object> report) {
    StringBuilder md = new StringBuilder();
    md.append("Model ").append(report.get("model")).append(" on ").append(report.get("machine")).append(", ")
        .append(report.get("new_tokens")).append(" new tokens per request, aggregate=probs; greedy except the rows"
            + " marked sampled (temperature 1, request i seeded i: symsample vs none)\n\n");
    md.append("| method | dedup | groups | attributes | requests | rows/step | ms/token | tokens/s | rows/s | bare ORT rows/s"
        + " | kept | peak RSS MiB |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (DecoderBench.Result r : results) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %d | %.1f | %.2f | %.1f | %.0f | %.0f | %.2f | %.0f |%n",
          r.method() + (r.temperature() > 0 ? " (sampled)" : ""), r.dedup() ? "on" : "off", r.groups(), r.attributes(),
          r.concurrency(),
          r.sequencesPerStep() * r.concurrency(), r.msPerToken(), r.tokensPerSecond(), r.rowsPerSecond(),
          r.bareRowsPerSecond(), r.keptOfBare(), r.peakRssBytes() / 1048576.0));
    }
    if (report.get("kafka") instanceof KafkaBench.Result kafka) {
      md.append(String.format(Locale.ROOT, "%nKafka (in-JVM KRaft, exactly-once, 2 partitions, %d mixed requests,"
              + " multi): in-process engine %.1f tokens/s; Kafka %.1f tokens/s (%.2f requests/s) at saturation. Half"
              + " load (%.2f requests/s, Poisson), time to completion: %s; time to the first chunk p50 %.0f ms, p99"
              + " %.0f ms. Idle, time to the first chunk p50 %.0f ms, p99 %.0f ms (prefill + one step in-process:"
              + " %.0f ms)%n", kafka.requests(), kafka.inProcessTokensPerSecond(), kafka.kafkaTokensPerSecond(),
          kafka.requestsPerSecond(), kafka.halfLoadRatePerSecond(), latencies(kafka.completionBySize()),
          kafka.firstChunkHalfLoad().p50Ms(), kafka.firstChunkHalfLoad().p99Ms(), kafka.firstChunkIdle().p50Ms(),
          kafka.firstChunkIdle().p99Ms(), kafka.idlePrefillAndStepMs()));
    }
    md.append("\n| target | measured | wanted | met |\n|---|---|---|---|\n");
    for (Check c : checks(results, report)) {
      md.append(String.format(Locale.ROOT, "| %s | %.3f | %s %.3f | %s |%n", c.target(), c.measured(), c.comparison(),
          c.wanted(), c.met() ? "yes" : "no"));
    }
    return md.toString();
  }

  private static String latencies(Map<String, KafkaBench.Latency> bySize) {
    List<String> parts = new ArrayList<>();
    bySize.forEach((size, l) -> parts.add(String.format(Locale.ROOT, "%s (%d) p50 %.0f ms, p99 %.0f ms", size,
        l.count(), l.p50Ms(), l.p99Ms())));
    return String.join("; ", parts);
  }
}
