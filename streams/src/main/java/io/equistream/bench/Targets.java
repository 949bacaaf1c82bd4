package io.equistream.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** Issue 6's and 16's targets as ratios from one run: measured vs wanted. */
final class Targets {
  private static final String THREE = "2x4x4";

  private Targets() {
  }

  record Check(String target, double measured, String comparison, double wanted, boolean met) {
  }

  static Map<String, Object> evaluate(List<DecoderBench.Result> results, KafkaBench.Result kafka,
      Map<String, Object> batchMemory) {
    Map<String, Object> out = new LinkedHashMap<>();
    List<Check> checks = checks(results, kafka, batchMemory);
    out.put("checks", checks);
    out.put("met", checks.stream().filter(Check::met).count());
    out.put("total", checks.size());
    return out;
  }

  static List<Check> checks(List<DecoderBench.Result> results, KafkaBench.Result kafka, Map<String, Object> batchMemory) {
    List<Check> checks = new ArrayList<>();
    int maxConcurrency = results.stream().mapToInt(DecoderBench.Result::concurrency).max().orElse(1);
    for (int concurrency : List.of(1, maxConcurrency)) {
      ratio(results, "multi", "equitune", 3, concurrency).ifPresent(r -> checks.add(check(
          "multi/equitune ms per token, 2x4x4, all attributes, x" + concurrency, r, "<=", 1.15 * 10 / 32)));
    }
    for (String method : List.of("equitune", "multi")) {
      ratio(results, method, "none", 0, 1).ifPresent(r -> checks.add(check(
          method + "/none ms per token, no orbit word (dedup)", r, "<=", 1.15)));
      ratio(results, method, "none", 1, 1).ifPresent(r -> checks.add(check(
          method + "/none ms per token, one attribute (dedup)", r, "<=", 2.3)));
    }
    for (String method : List.of("none", "multi", "equitune")) {
      Optional<DecoderBench.Result> one = find(results, method, 3, 1);
      Optional<DecoderBench.Result> many = find(results, method, 3, maxConcurrency);
      if (one.isPresent() && many.isPresent() && maxConcurrency > 1) {
        checks.add(check(method + ": tokens/s at x" + maxConcurrency + " / at x1 (2x4x4, all attributes)",
            many.get().tokensPerSecond() / one.get().tokensPerSecond(), ">=", 3));
      }
    }
    for (int concurrency : List.of(1, maxConcurrency)) {
      Optional<DecoderBench.Result> symsample = findSampled(results, "symsample", concurrency);
      Optional<DecoderBench.Result> none = findSampled(results, "none", concurrency);
      if (symsample.isPresent() && none.isPresent()) {
        checks.add(check("symsample/none tokens/s, sampled, " + symsample.get().groups() + ", all attributes, x"
            + concurrency, symsample.get().tokensPerSecond() / none.get().tokensPerSecond(), ">=", 0.95));
      }
    }
    if (kafka != null) {
      checks.add(check("Kafka / in-process tokens/s at saturation", kafka.kafkaTokensPerSecond()
          / kafka.inProcessTokensPerSecond(), ">=", 0.85));
      checks.add(check("p99 / p50 latency at half load", kafka.p99Ms() / kafka.p50Ms(), "<=", 2));
    }
    if (batchMemory != null) {
      checks.add(check("peak resident memory, GiB, " + batchMemory.get("requests") + "-request multi batch on its own"
          + " (2x4x4, all attributes)", ((Number) batchMemory.get("peak_rss_bytes")).doubleValue() / (1 << 30), "<=", 4));
    }
    return checks;
  }

  private static void greedyTable(List<DecoderBench.Result> results, StringBuilder md) {
    List<DecoderBench.Result> greedy = results.stream().filter(r -> r.temperature() == 0).toList();
    if (greedy.isEmpty()) {
      return;
    }
    md.append("\nGreedy, aggregate=probs\n\n");
    md.append("| method | dedup | groups | attributes | requests | seq/step | ms/token | tokens/s | peak heap MiB | peak RSS MiB |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (DecoderBench.Result r : greedy) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %d | %d | %.1f | %.2f | %.1f | %.0f | %.0f |%n", r.method(),
          r.dedup() ? "on" : "off", r.groups(), r.attributes(), r.concurrency(), r.sequencesPerStep(), r.msPerToken(),
          r.tokensPerSecond(), r.peakHeapBytes() / 1048576.0, r.peakRssBytes() / 1048576.0));
    }
  }

  /** symsample vs none, both sampled (temperature 1, request i seeded i), dedup on. */
  private static void sampledTable(List<DecoderBench.Result> results, StringBuilder md) {
    List<DecoderBench.Result> sampled = results.stream().filter(r -> r.temperature() > 0).toList();
    if (sampled.isEmpty()) {
      return;
    }
    md.append(String.format(Locale.ROOT, "%nSampled (temperature %.1f, request i seeded i): symsample vs none%n%n",
        sampled.get(0).temperature()));
    md.append("| method | groups | attributes | requests | seq/step | ms/token | tokens/s | tokens/s vs none |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    for (DecoderBench.Result r : sampled) {
      double none = findSampled(results, "none", r.concurrency()).map(DecoderBench.Result::tokensPerSecond)
          .orElse(Double.NaN);
      md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.1f | %.2f | %.1f | %.3f |%n", r.method(), r.groups(),
          r.attributes(), r.concurrency(), r.sequencesPerStep(), r.msPerToken(), r.tokensPerSecond(),
          r.tokensPerSecond() / none));
    }
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

  /** The sampled row of a method (symsample or its none baseline) at a concurrency. */
  private static Optional<DecoderBench.Result> findSampled(List<DecoderBench.Result> results, String method,
      int concurrency) {
    return results.stream()
        .filter(r -> r.method().equals(method) && r.temperature() > 0 && r.concurrency() == concurrency)
        .findFirst();
  }

  private static Optional<Double> ratio(List<DecoderBench.Result> results, String method, String baseline,
      int attributes, int concurrency) {
    Optional<DecoderBench.Result> a = find(results, method, attributes, concurrency);
    Optional<DecoderBench.Result> b = find(results, baseline, attributes, concurrency);
    return a.isPresent() && b.isPresent() ? Optional.of(a.get().msPerToken() / b.get().msPerToken()) : Optional.empty();
  }

  /** The Markdown tables the README carries. */
  static String table(List<DecoderBench.Result> results, KafkaBench.Result kafka, Map<String, Object> report) {
    StringBuilder md = new StringBuilder();
    md.append("Model ").append(report.get("model")).append(" on ").append(report.get("machine")).append(", ")
        .append(report.get("new_tokens")).append(" new tokens per request\n");
    greedyTable(results, md);
    sampledTable(results, md);
    if (kafka != null) {
      md.append(String.format(Locale.ROOT, "%nKafka (in-JVM KRaft, exactly-once, batch %d, %d requests, multi): "
              + "in-process %.1f tokens/s; Kafka %.1f tokens/s, %.2f completions/s at saturation; at half load"
              + " (%.2f req/s) latency p50 %.0f ms, p95 %.0f ms, p99 %.0f ms%n", kafka.batchSize(), kafka.requests(),
          kafka.inProcessTokensPerSecond(), kafka.kafkaTokensPerSecond(), kafka.kafkaCompletionsPerSecond(),
          kafka.halfLoadRatePerSecond(), kafka.p50Ms(), kafka.p95Ms(), kafka.p99Ms()));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> memory = (Map<String, Object>) report.get("memory");
    if (memory != null && kafka != null) {
      md.append(String.format(Locale.ROOT, "%nKafka part (broker, service and client in one JVM): peak heap %.0f MiB,"
          + " peak resident set %.0f MiB%n",
          ((Number) memory.get("peak_heap_bytes")).doubleValue() / (1 << 20),
          ((Number) memory.get("peak_rss_bytes")).doubleValue() / (1 << 20)));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> batchMemory = (Map<String, Object>) report.get("memory_16_request_multi_batch");
    if (batchMemory != null) {
      md.append(String.format(Locale.ROOT, "%nOne %s-request multi batch on its own (fresh JVM, %.0f rows/step): peak heap"
              + " %.0f MiB, peak resident set %.0f MiB%n", batchMemory.get("requests"),
          ((Number) batchMemory.get("rows_per_step")).doubleValue(),
          ((Number) batchMemory.get("peak_heap_bytes")).doubleValue() / (1 << 20),
          ((Number) batchMemory.get("peak_rss_bytes")).doubleValue() / (1 << 20)));
    }
    md.append("\n| target | measured | wanted | met |\n|---|---|---|---|\n");
    for (Check c : checks(results, kafka, batchMemory)) {
      md.append(String.format(Locale.ROOT, "| %s | %.3f | %s %.3f | %s |%n", c.target(), c.measured(), c.comparison(),
          c.wanted(), c.met() ? "yes" : "no"));
    }
    return md.toString();
  }
}
