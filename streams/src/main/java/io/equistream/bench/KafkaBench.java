package io.equistream.bench;

import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.decode.GenerationResult;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.client.ChatbotClient;
import io.equistream.stream.EmbeddedKafka;
import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceConfig;
import io.equistream.stream.ServiceListener;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * End to end through Kafka (in-JVM KRaft broker, exactly-once): throughput at saturation and
 * latency at half of that load, against the in-process decoder on the same prompts and batch size.
 */
final class KafkaBench {
  record Result(int requests, int batchSize, double inProcessTokensPerSecond, double kafkaTokensPerSecond,
      double kafkaCompletionsPerSecond, double halfLoadRatePerSecond, double p50Ms, double p95Ms, double p99Ms) {
  }

  private final String model;
  private final String method;
  private final int newTokens;
  private final int batchSize;

  KafkaBench(String model, String method, int newTokens, int batchSize) {
    this.model = model;
    this.method = method;
    this.newTokens = newTokens;
    this.batchSize = batchSize;
  }

  Result run(FairEngine inProcess, List<String> prompts, java.util.function.Consumer<String> progress) throws Exception {
    double inProcessTokensPerSecond = inProcess(inProcess, prompts);
    progress.accept(String.format("in-process: %.1f tokens/s", inProcessTokensPerSecond));
    try (EmbeddedKafka kafka = EmbeddedKafka.start(1)) {
      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("bootstrap.servers", kafka.bootstrapServers());
      settings.put("application.id", "equistream-bench");
      settings.put("state.dir", Files.createTempDirectory("bench-state").toString());
      settings.put("commit.interval.ms", "100");
      settings.put("equistream.model.dir", model);
      settings.put("equistream.topics.create", "true");
      settings.put("equistream.topics.partitions", "1");
      settings.put("equistream.default.max.new.tokens", String.valueOf(newTokens));
      settings.put("equistream.default.method", method);
      ServiceConfig config = ServiceConfig.load(null, settings);
      try (FairStreamsService service = new FairStreamsService(config, ServiceListener.NONE);
          ChatbotClient client = new ChatbotClient(config.clientProperties(), config.topics().prompts(),
              config.topics().completions(), false)) {
        service.start();
        service.awaitRunning(Duration.ofSeconds(60));
        ask(client, prompts.subList(0, Math.min(2, prompts.size())), 0, "warmup"); // warm up the path
        long started = System.nanoTime();
        List<Answer> saturated = ask(client, prompts, 0, "saturation");
        double seconds = (System.nanoTime() - started) / 1e9;
        long tokens = saturated.stream().mapToLong(a -> a.completion.getCompletionTokens()).sum();
        double completionsPerSecond = prompts.size() / seconds;
        progress.accept(String.format("kafka saturation: %.2f completions/s, %.1f tokens/s", completionsPerSecond,
            tokens / seconds));
        double halfRate = completionsPerSecond / 2;
        List<Answer> paced = ask(client, prompts, (long) (1e9 / halfRate), "half load");
        double[] latencies = paced.stream().mapToDouble(a -> a.millis).sorted().toArray();
        return new Result(prompts.size(), batchSize, inProcessTokensPerSecond, tokens / seconds, completionsPerSecond,
            halfRate, quantile(latencies, 0.50), quantile(latencies, 0.95), quantile(latencies, 0.99));
      }
    }
  }

  private double inProcess(FairEngine engine, List<String> prompts) {
    List<FairRequest> requests = new ArrayList<>();
    for (int i = 0; i < prompts.size(); i++) {
      requests.add(engine.resolver().resolve("in-" + i, prompts.get(i), GenerationParams.greedy(newTokens), method,
          List.of(), "probs"));
    }
    engine.generate(requests.subList(0, 1));
    long started = System.nanoTime();
    long tokens = 0;
    for (int from = 0; from < requests.size(); from += batchSize) {
      for (GenerationResult result : engine.generate(
          requests.subList(from, Math.min(requests.size(), from + batchSize)))) {
        tokens += result.completionIds().length;
      }
    }
    return tokens / ((System.nanoTime() - started) / 1e9);
  }

  private record Answer(FairCompletion completion, double millis) {
  }

  private static List<Answer> ask(ChatbotClient client, List<String> prompts, long gapNanos, String phase)
      throws Exception {
    List<CompletableFuture<Answer>> futures = new ArrayList<>();
    long next = System.nanoTime();
    for (int i = 0; i < prompts.size(); i++) {
      if (gapNanos > 0) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        next += gapNanos;
      }
      long sent = System.nanoTime();
      PromptRequest request = PromptRequest.newBuilder().setRequestId(phase + "-" + i + "-" + sent)
          .setConversationId(phase + "-" + i).setPrompt(prompts.get(i)).setCreatedAt(Instant.now()).build();
      futures.add(client.ask(request, Duration.ofMinutes(10))
          .thenApply(c -> new Answer(c, (System.nanoTime() - sent) / 1e6)));
    }
    List<Answer> answers = new ArrayList<>();
    for (CompletableFuture<Answer> future : futures) {
      Answer answer = future.get();
      if (answer.completion.getStatus() != CompletionStatus.OK) {
        throw new IllegalStateException("bench request failed: " + answer.completion.getReason());
      }
      answers.add(answer);
    }
    return answers;
  }

  static double quantile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  static double[] sorted(List<Double> values) {
    double[] out = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(out);
    return out;
  }
}
