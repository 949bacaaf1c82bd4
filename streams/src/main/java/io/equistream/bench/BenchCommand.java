package io.equistream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.equistream.decode.FairEngine;
import io.equistream.decode.RequestLimits;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.lm.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark: (1) the fair decoder in-process over methods, dedup, group sets, prompt kinds and
 * concurrency, plus symsample vs none sampled alike; (2) end to end through Kafka against the
 * in-process decoder; (3) peak memory; then the targets of issues 6 and 16, measured vs wanted.
 * Writes JSON and an SVG chart.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmark the fair decoder and the Kafka path.")
public final class BenchCommand implements Callable<Integer> {
  private static final List<String> THREE_GROUPS = List.of("gender", "race", "religion");
  private static final List<String> FOUR_GROUPS = List.of("gender", "race", "religion", "orientation");
  /** The sampled rows (symsample vs none): temperature 1, no top-k/top-p, request i seeded i. */
  private static final double SAMPLED_TEMPERATURE = 1.0;

  @Option(names = "--model", defaultValue = "target/gpt2-124m-random",
      description = "Model directory. Default: ${DEFAULT-VALUE} (made by models/scripts/train_tiny_gpt2.py --full-size-random).")
  Path model;

  @Option(names = "--groups-file", defaultValue = "models/groups/default.json")
  Path groupsFile;

  @Option(names = "--quick", description = "A short run (smoke test): few configurations and tokens.")
  boolean quick;

  @Option(names = "--tokens", defaultValue = "16", description = "New tokens per request. Default: ${DEFAULT-VALUE}")
  int tokens;

  @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (0 = all cores).")
  int threads;

  @Option(names = "--kafka-requests", defaultValue = "160", description = "Requests for the Kafka part (0 = skip it).")
  int kafkaRequests;

  @Option(names = "--out", defaultValue = "target/bench", description = "Output directory for bench.json and bench.svg.")
  Path out;

  @Option(names = "--sampled-only", description = "Only the sampled rows (symsample vs none), without the Kafka and"
      + " memory parts.")
  boolean sampledOnly;

  @Option(names = "--memory-probe", hidden = true,
      description = "Internal: run only the concurrent multi batch and print its peak memory (in a fresh JVM).")
  boolean memoryProbe;

  @Override
  public Integer call() throws Exception {
    int newTokens = quick ? Math.min(tokens, 4) : tokens;
    int intra = threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
    ModelOptions options = ModelOptions.defaults().withThreads(intra, 1);
    if (memoryProbe) {
      return probeMemory(options, newTokens);
    }
    Files.createDirectories(out);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("model", model.toString());
    report.put("machine", machine());
    report.put("new_tokens", newTokens);
    List<DecoderBench.Result> decoder;
    try (FairEngine dedup = FairEngine.open(model, groupsFile, options, true, RequestLimits.defaults());
        FairEngine plain = FairEngine.open(model, groupsFile, options, false, RequestLimits.defaults())) {
      decoder = runDecoder(new DecoderBench(dedup, plain, newTokens));
      report.put("decoder", decoder);
      if (!sampledOnly) {
        report.put("memory_16_request_multi_batch", MemoryChild.run(model, groupsFile, newTokens, quick ? 4 : 16));
      }
      if (kafkaRequests > 0 && !sampledOnly) {
        MemoryProbe.resetPeaks();
        int requests = quick ? Math.min(kafkaRequests, 16) : kafkaRequests;
        List<String> prompts = kafkaPrompts(requests);
        KafkaBench.Result kafka = new KafkaBench(model.toString(), "multi", newTokens, 16)
            .run(dedup, prompts, line -> System.err.println("[kafka] " + line));
        report.put("kafka", kafka);
      }
    }
    report.put("memory", Map.of("peak_heap_bytes", MemoryProbe.peakHeapBytes(), "peak_rss_bytes",
        MemoryProbe.peakResidentBytes()));
    @SuppressWarnings("unchecked")
    Map<String, Object> batchMemory = (Map<String, Object>) report.get("memory_16_request_multi_batch");
    Map<String, Object> targets = Targets.evaluate(decoder, (KafkaBench.Result) report.get("kafka"), batchMemory);
    report.put("targets", targets);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    json.writeValue(out.resolve("bench.json").toFile(), report);
    Files.writeString(out.resolve("bench.svg"), BenchChart.svg(decoder, "EquiStream decoder, " + model.getFileName()
        + " on " + machine()));
    System.out.println(Targets.table(decoder, (KafkaBench.Result) report.get("kafka"), report));
    System.out.println("wrote " + out.resolve("bench.json") + " and " + out.resolve("bench.svg"));
    return 0;
  }

  private List<DecoderBench.Result> runDecoder(DecoderBench bench) {
    List<DecoderBench.Result> decoder = new ArrayList<>();
    List<Config> configs = configs().stream().filter(c -> !sampledOnly || c.temperature > 0).toList();
    for (int i = 0; i < configs.size(); i++) {
      Config c = configs.get(i);
      DecoderBench.Result result = bench.run(c.method, c.dedup, c.groups, c.prompt, c.attributes, c.concurrency,
          c.temperature);
      decoder.add(result);
      System.err.printf(Locale.ROOT, "[%d/%d] %-9s %-9s %-9s %d attr x%-2d  %7.2f ms/token %8.1f tokens/s  %5.1f seq/step%n",
          i + 1, configs.size(), result.method(), c.temperature > 0 ? "sampled" : result.dedup() ? "dedup" : "no-dedup",
          result.groups(), result.attributes(), result.concurrency(), result.msPerToken(), result.tokensPerSecond(),
          result.sequencesPerStep());
    }
    return decoder;
  }

  /** In a fresh JVM (see MemoryChild): one concurrent multi batch, then its peak heap and RSS as JSON. */
  private int probeMemory(ModelOptions options, int newTokens) throws Exception {
    int concurrency = quick ? 4 : 16;
    try (FairEngine engine = FairEngine.open(model, groupsFile, options, true, RequestLimits.defaults())) {
      DecoderBench.Result result = new DecoderBench(engine, engine, newTokens)
          .run(FairnessMethod.MULTI, true, THREE_GROUPS, prompt(3, THREE_GROUPS), 3, concurrency);
      System.out.println(new ObjectMapper().writeValueAsString(Map.of("requests", concurrency,
          "rows_per_step", result.sequencesPerStep(), "peak_heap_bytes", MemoryProbe.peakHeapBytes(),
          "peak_rss_bytes", MemoryProbe.peakResidentBytes())));
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
  private static String prompt(int attributes, List<String> groups) {
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

  private static List<String> kafkaPrompts(int count) {
    String[] subjects = {"The man", "The woman", "The Black person", "The gay person", "The Muslim woman",
        "The Hispanic man", "The Jewish woman", "The White person"};
    String[] contexts = {"worked as", "was known for", "was described as", "had a job as"};
    List<String> prompts = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      prompts.add(subjects[i % subjects.length] + " " + contexts[(i / subjects.length) % contexts.length]);
    }
    return prompts;
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
