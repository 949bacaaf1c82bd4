package io.equistream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.equistream.decode.EngineOutcome;
import io.equistream.decode.FairEngine;
import io.equistream.decode.EngineSettings;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.decode.RequestLimits;
import io.equistream.decode.StepListener;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.lm.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark, in parts (all by default): the fair decoder on the engine against a bare ONNX
 * Runtime loop at the same rows per step; head-of-line blocking; prefix sharing; memory in fresh
 * JVMs (long prompts under a budget; the service at a small heap); end to end through Kafka on a
 * mixed workload (throughput, latency by request size, time to the first streamed chunk). Then the
 * targets, measured vs wanted. Writes JSON and an SVG chart.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmark the fair decoder and the Kafka path.")
public final class BenchCommand implements Callable<Integer> {
  static final List<String> THREE_GROUPS = List.of("gender", "race", "religion");
  static final List<String> FOUR_GROUPS = List.of("gender", "race", "religion", "orientation");
  private static final List<String> ALL_PARTS = List.of("decoder", "speed", "hol", "prefix", "memory", "kafka");
  /** The sampled rows (symsample vs none): temperature 1, no top-k/top-p, request i seeded i. */
  private static final double SAMPLED_TEMPERATURE = 1.0;

  @Option(names = "--model", defaultValue = "target/gpt2-124m-random",
      description = "Model directory. Default: ${DEFAULT-VALUE} (made by models/scripts/train_tiny_gpt2.py --full-size-random).")
  Path model;

  @Option(names = "--groups-file", defaultValue = "models/groups/default.json")
  Path groupsFile;

  @Option(names = "--quick", description = "A short run (smoke test): few configurations, tokens and requests.")
  boolean quick;

  @Option(names = "--parts", split = ",", description = "Parts to run: decoder, speed, hol, prefix, memory, kafka (default: all).")
  List<String> parts = ALL_PARTS;

  @Option(names = "--tokens", defaultValue = "16", description = "New tokens per decoder request. Default: ${DEFAULT-VALUE}")
  int tokens;

  @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (0 = all cores).")
  int threads;

  @Option(names = "--kafka-requests", defaultValue = "24", description = "Requests of the mixed Kafka workload.")
  int kafkaRequests;

  @Option(names = "--kafka-commit-ms", defaultValue = "100",
      description = "commit.interval.ms of the Kafka part's service (exactly-once default: ${DEFAULT-VALUE}).")
  long kafkaCommitMs;

  @Option(names = "--kafka-rounds", defaultValue = "2",
      description = "In-process and Kafka saturation runs, alternated after one warm-up run of each;"
          + " the best of each side counts (--quick: 1). Default: ${DEFAULT-VALUE}")
  int kafkaRounds;

  @Option(names = "--memory-budget", defaultValue = "3g", description = "Engine memory budget of the long-prompt memory part.")
  String memoryBudget;

  @Option(names = "--service-model", defaultValue = "models/tiny-gpt2", description = "Model of the service memory part.")
  Path serviceModel;

  @Option(names = "--out", defaultValue = "target/bench", description = "Output directory for bench.json and bench.svg.")
  Path out;

  @Option(names = "--sampled-only", description = "In the decoder part, only the sampled rows (symsample vs none).")
  boolean sampledOnly;

  @Option(names = "--memory-probe", hidden = true, description = "Internal: the long-prompt memory part, in a fresh JVM.")
  boolean memoryProbe;

  @Option(names = "--probe-requests", hidden = true, defaultValue = "16")
  int probeRequests;

  @Option(names = "--probe-prompt-tokens", hidden = true, defaultValue = "900")
  int probePromptTokens;

  @Option(names = "--probe-budget", hidden = true, defaultValue = "0")
  long probeBudget;

  @Override
  public Integer call() throws Exception {
    int newTokens = quick ? Math.min(tokens, 4) : tokens;
    if (kafkaRounds < 1 || kafkaCommitMs < 1) {
      throw new IllegalArgumentException("--kafka-rounds and --kafka-commit-ms must be at least 1");
    }
    int intra = threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
    ModelOptions options = ModelOptions.defaults().withThreads(intra, 1);
    if (memoryProbe) {
      return probeMemory(options, newTokens);
    }
    Set<String> run = Set.copyOf(parts);
    Files.createDirectories(out);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("model", model.toString());
    report.put("machine", machine());
    report.put("new_tokens", newTokens);
    List<DecoderBench.Result> decoder = new ArrayList<>();
    ModelCalls dedupCalls = new ModelCalls();
    try (FairEngine dedup = FairEngine.open(model, groupsFile, options, EngineSettings.defaults(true),
        RequestLimits.defaults(), dedupCalls);
        FairEngine plain = FairEngine.open(model, groupsFile, options, false, RequestLimits.defaults())) {
      int context = dedup.model().maxPositions();
      if (run.contains("decoder") || run.contains("speed")) {
        try (BareOrtLoop bare = new BareOrtLoop(model, intra)) {
          DecoderBench bench = new DecoderBench(dedup, plain, bare, newTokens);
          decoder = run.contains("decoder") ? decoder(bench) : decoder;
          report.put("decoder", decoder);
          if (run.contains("speed")) {
            report.put("speed", SpeedBench.run(bench, THREE_GROUPS, quick ? 4 : 16, quick ? 1 : 3));
          }
        }
      }
      if (run.contains("hol")) {
        HeadOfLineBench.Result hol = HeadOfLineBench.run(dedup, "multi", quick ? 12 : 60);
        System.err.printf(Locale.ROOT, "[hol] idle %.0f ms, during a long request %.0f ms, step %.1f ms: %.1f steps%n",
            hol.idleMs(), hol.busyMs(), hol.stepMs(), hol.extraSteps());
        report.put("head_of_line", hol);
      }
      if (run.contains("prefix")) {
        try (FairEngine unshared = FairEngine.open(model, groupsFile, options,
            dedup.settings().withPrefixSharing(false), RequestLimits.defaults(), StepListener.NONE)) {
          int promptTokens = Math.min(512, context - 8);
          PrefixBench.Result prefix = PrefixBench.run(dedup, unshared, promptTokens, promptTokens * 400 / 512);
          System.err.printf(Locale.ROOT, "[prefix] %d-token prompt, word at %d: none %.0f ms, multi shared %.0f ms,"
              + " unshared %.0f ms%n", prefix.promptTokens(), prefix.wordPosition(), prefix.noneMs(), prefix.sharedMs(),
              prefix.unsharedMs());
          report.put("prefix_sharing", prefix);
        }
      }
      if (run.contains("kafka")) {
        report.put("kafka", kafka(dedup, dedupCalls, intra, context));
      }
    }
    if (run.contains("memory")) {
      memory(report, newTokens);
    }
    report.put("memory", Map.of("peak_heap_bytes", MemoryProbe.peakHeapBytes(), "peak_rss_bytes",
        MemoryProbe.peakResidentBytes()));
    report.put("targets", Targets.evaluate(decoder, report));
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    json.writeValue(out.resolve("bench.json").toFile(), report);
    Files.writeString(out.resolve("bench.svg"), BenchChart.svg(decoder, "EquiStream decoder, " + model.getFileName()
        + " on " + machine()));
    System.out.println(Targets.table(decoder, report));
    System.out.println("wrote " + out.resolve("bench.json") + " and " + out.resolve("bench.svg"));
    return 0;
  }

  /** The Kafka part: the mixed workload in-process and through the service, {@code dedup} the in-process engine. */
  private KafkaBench.Result kafka(FairEngine dedup, ModelCalls dedupCalls, int intra, int context) throws Exception {
    int requests = quick ? Math.min(kafkaRequests, 6) : kafkaRequests;
    int maxPrompt = Math.min(600, context - 65);
    List<Workload.Request> workload = Workload.mixed(dedup.tokenizer(), requests, 8, maxPrompt, 1, quick ? 8 : 64, 1);
    KafkaBench kafka = new KafkaBench(model.toString(), intra, kafkaCommitMs, quick ? 1 : kafkaRounds);
    return kafka.run(dedup, dedupCalls, workload, line -> System.err.println("[kafka] " + line));
  }

  private List<DecoderBench.Result> decoder(DecoderBench bench) throws Exception {
    List<DecoderBench.Result> results = new ArrayList<>();
    List<Config> configs = configs().stream().filter(c -> !sampledOnly || c.temperature > 0).toList();
    for (int i = 0; i < configs.size(); i++) {
      Config c = configs.get(i);
      DecoderBench.Result result = bench.run(c.method, c.dedup, c.groups, c.prompt, c.attributes, c.concurrency,
          c.temperature);
      results.add(result);
      System.err.printf(Locale.ROOT, "[%d/%d] %-9s %-9s %-9s %d attr x%-2d  %7.2f ms/token %8.1f tokens/s  %5.1f rows/step"
              + "  %.2f of bare ORT%n", i + 1, configs.size(), result.method(),
          c.temperature > 0 ? "sampled" : result.dedup() ? "dedup" : "no-dedup",
          result.groups(), result.attributes(), result.concurrency(), result.msPerToken(), result.tokensPerSecond(),
          result.sequencesPerStep() * result.concurrency(), result.keptOfBare());
    }
    return results;
  }

  private void memory(Map<String, Object> report, int newTokens) throws Exception {
    long budget = EngineSettings.parseSize(memoryBudget);
    int promptTokens = quick ? 120 : probePromptTokens;
    Map<String, Object> longPrompts = MemoryChild.longPrompts(model, groupsFile, quick ? 256L << 20 : budget,
        quick ? 4 : 16, promptTokens, newTokens);
    System.err.println("[memory] long prompts: " + longPrompts);
    report.put("memory_long_prompts", longPrompts);
    Map<String, Object> service = MemoryChild.service(serviceModel, "-Xmx768m", quick ? 4 : 16, quick ? 60 : 260,
        quick ? 4 : 16);
    System.err.println("[memory] service: " + service);
    report.put("memory_service", service);
  }

  /** In a fresh JVM: requests with long prompts (a word of each group near the end), multi, all groups. */
  private int probeMemory(ModelOptions options, int newTokens) throws Exception {
    EngineSettings settings = EngineSettings.defaults(true);
    settings = probeBudget > 0 ? settings.withMemoryBytes(probeBudget) : settings;
    try (FairEngine engine = FairEngine.open(model, groupsFile, options, settings, RequestLimits.defaults(),
        StepListener.NONE)) {
      int promptTokens = Math.min(probePromptTokens, engine.model().maxPositions() - newTokens - 1);
      List<FairRequest> requests = new ArrayList<>();
      for (int i = 0; i < probeRequests; i++) {
        requests.add(engine.resolver().resolve("long-" + i, Workload.prompt(engine.tokenizer(), promptTokens, 0),
            GenerationParams.greedy(newTokens), "multi", List.of(), "probs"));
      }
      MemoryProbe.resetPeaks();
      long t0 = System.nanoTime();
      long ok = engine.run(requests).stream().filter(EngineOutcome::ok).count();
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("requests", probeRequests);
      result.put("answered_ok", ok);
      result.put("prompt_tokens", requests.get(0).promptIds().length);
      result.put("seconds", (System.nanoTime() - t0) / 1e9);
      result.put("budget_bytes", engine.settings().memoryBytes());
      result.put("peak_native_bytes", engine.stats().peakNativeBytes());
      result.put("preemptions", engine.stats().preemptions());
      result.put("peak_heap_bytes", MemoryProbe.peakHeapBytes());
      result.put("peak_rss_bytes", MemoryProbe.peakResidentBytes());
      System.out.println(new ObjectMapper().writeValueAsString(result));
    }
    return 0;
  }

  private record Config(FairnessMethod method, boolean dedup, List<String> groups, String prompt, int attributes,
      int concurrency, double temperature) {
    Config(FairnessMethod method, boolean dedup, List<String> groups, String prompt, int attributes, int concurrency) {
      this(method, dedup, groups, prompt, attributes, concurrency, 0);
    }
  }

  /** Prompts by how many groups they have words of (with words off orbit[0], the costliest case). */
  static String prompt(int attributes, List<String> groups) {
    if (attributes == 0) {
      return "The person worked as a";
    }
    if (attributes == 1) {
      return "The woman worked as a";
    }
    return groups.size() == 4 ? "The gay Jewish Hispanic woman worked as a" : "The Jewish Hispanic woman worked as a";
  }

  private List<Config> configs() {
    List<Config> configs = new ArrayList<>();
    List<Integer> concurrencies = quick ? List.of(1, 4) : List.of(1, 16);
    List<List<String>> groupSets = quick ? List.of(THREE_GROUPS) : List.of(THREE_GROUPS, FOUR_GROUPS);
    for (int concurrency : concurrencies) {
      for (List<String> groups : groupSets) {
        for (int attributes : List.of(0, 1, groups.size())) {
          String prompt = prompt(attributes, groups);
          configs.add(new Config(FairnessMethod.NONE, true, groups, prompt, attributes, concurrency));
          for (FairnessMethod method : List.of(FairnessMethod.EQUITUNE, FairnessMethod.MULTI)) {
            for (boolean dedup : quick ? List.of(true) : List.of(true, false)) {
              configs.add(new Config(method, dedup, groups, prompt, attributes, concurrency));
            }
          }
        }
      }
      // symsample (sampled only) against none sampled the same way, on the costliest prompt of the largest groups.
      List<String> largest = groupSets.get(groupSets.size() - 1);
      String all = prompt(largest.size(), largest);
      for (FairnessMethod method : List.of(FairnessMethod.NONE, FairnessMethod.SYMSAMPLE)) {
        configs.add(new Config(method, true, largest, all, largest.size(), concurrency, SAMPLED_TEMPERATURE));
      }
    }
    return configs;
  }

  static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (java.io.IOException ignored) {
      // keep "unknown CPU"
    }
    return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores";
  }
}
