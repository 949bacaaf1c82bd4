package io.equistream.bench;

import io.equistream.client.ChatbotClient;
import io.equistream.decode.EngineOutcome;
import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.FinishReason;
import io.equistream.decode.GenerationParams;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.stream.EmbeddedKafka;
import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * End to end through Kafka (in-JVM KRaft broker, exactly-once, 2 partitions) on a mixed chatbot
 * workload: throughput at saturation against the in-process engine on the same requests, alternated
 * (in-process, Kafka, in-process, ...) after a warm-up round, with the service started and idle
 * during the in-process runs, and where each run's model calls ({@link ModelCalls}) and CPU
 * ({@link CpuUse}) went; then the same requests streamed with Poisson arrivals at half the slowest
 * round's rate (time to completion by request size, time to the first chunk); then time to the
 * first chunk on an idle service.
 */
final class KafkaBench {
  /** p50 / p99 of a set of latencies, in ms. */
  record Latency(int count, double p50Ms, double p99Ms) {
    static Latency of(List<Double> millis) {
      double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      return new Latency(sorted.length, quantile(sorted, 0.5), quantile(sorted, 0.99));
    }
  }

  /** One in-process saturation run and the Kafka one after it, and where each one's CPU went. */
  record Round(double inProcessTokensPerSecond, double kafkaTokensPerSecond, CpuUse.Phase inProcessCpu,
      CpuUse.Phase kafkaCpu, ModelCalls.Count inProcessCalls, ModelCalls.Count kafkaCalls) {
  }

  /** Best of the rounds on each side (as the speed part: this machine drifts within minutes), and each round. */
  record Result(int requests, long commitIntervalMs, double inProcessTokensPerSecond, double kafkaTokensPerSecond,
      double requestsPerSecond, double halfLoadRatePerSecond, Map<String, Latency> completionBySize,
      Latency firstChunkHalfLoad, Latency firstChunkIdle, double idlePrefillAndStepMs, List<Round> rounds) {
    double ratio() {
      return kafkaTokensPerSecond / inProcessTokensPerSecond;
    }
  }

  private record Answer(FairCompletion completion, double millis, double firstChunkMillis) {
  }

  private final String model;
  private final int threads;
  private final long commitIntervalMs;
  private final int rounds;

  /**
   * {@code threads}: the service's ONNX Runtime intra-op threads, as the in-process engine's;
   * {@code rounds} and {@code commitIntervalMs} at least 1 (BenchCommand checks its options first).
   */
  KafkaBench(String model, int threads, long commitIntervalMs, int rounds) {
    this.model = model;
    this.threads = threads;
    this.commitIntervalMs = commitIntervalMs;
    this.rounds = rounds;
  }

  /** {@code inProcessCalls}: the in-process engine's step listener. */
  Result run(FairEngine inProcess, ModelCalls inProcessCalls, List<Workload.Request> workload,
      Consumer<String> progress) throws Exception {
    ModelCalls serviceCalls = new ModelCalls();
    try (EmbeddedKafka kafka = EmbeddedKafka.start(1)) {
      ServiceConfig config = ServiceConfig.load(null, settings(kafka));
      try (FairStreamsService service = new FairStreamsService(config, serviceCalls);
          ChatbotClient client = ChatbotClient.onServiceTopics(config.clientProperties(), config.topics().prompts(),
              config.topics().completions(), config.topics().chunks())) {
        service.start();
        service.awaitRunning(Duration.ofSeconds(60));
        ask(client, workload.subList(0, Math.min(2, workload.size())), null, "warmup", true);
        // Alternated on the same requests; the service sits idle (no punctuator, no commits) while
        // the in-process engine runs. Round 0 warms both up and is not counted: the first full run
        // in the process (the in-process one) was up to 1.7x slower in its model calls alone.
        List<Round> measured = new ArrayList<>();
        double bestRequestsPerSecond = 0;
        double slowestRequestsPerSecond = Double.MAX_VALUE;
        for (int round = 0; round <= rounds; round++) {
          Round r = round(inProcess, inProcessCalls, client, serviceCalls, workload, round);
          if (round > 0) {
            measured.add(r);
            double requestsPerSecond = workload.size() / r.kafkaCpu().wallSeconds();
            bestRequestsPerSecond = Math.max(bestRequestsPerSecond, requestsPerSecond);
            slowestRequestsPerSecond = Math.min(slowestRequestsPerSecond, requestsPerSecond);
          }
          progress.accept(String.format("%s: in-process %.1f tokens/s (%s), Kafka %.1f tokens/s (%s): %.2f; cpu"
              + " seconds: in-process %s, Kafka %s", round == 0 ? "warm-up, not counted" : "round " + round,
              r.inProcessTokensPerSecond(), r.inProcessCalls(), r.kafkaTokensPerSecond(), r.kafkaCalls(),
              r.kafkaTokensPerSecond() / r.inProcessTokensPerSecond(), r.inProcessCpu().cpuSecondsByRole(),
              r.kafkaCpu().cpuSecondsByRole()));
        }
        // Half the slowest round's rate: the machine's speed drifts, and half of the best can be near full load.
        double halfRate = slowestRequestsPerSecond / 2;
        List<Answer> paced = ask(client, workload, new Random(42), "half", true, halfRate);
        Map<String, Latency> completionBySize = bySize(workload, paced);
        List<Double> firstChunks = paced.stream().map(Answer::firstChunkMillis).toList();
        progress.accept("half load: " + completionBySize);
        List<Workload.Request> idle = Workload.mixed(inProcess.tokenizer(), 8, 48, 48, 16, 16, 7);
        List<Double> idleFirst = new ArrayList<>();
        for (Workload.Request request : idle) {
          idleFirst.add(ask(client, List.of(request), null, "idle", true).get(0).firstChunkMillis);
        }
        return new Result(workload.size(), commitIntervalMs,
            measured.stream().mapToDouble(Round::inProcessTokensPerSecond).max().orElse(Double.NaN),
            measured.stream().mapToDouble(Round::kafkaTokensPerSecond).max().orElse(Double.NaN), bestRequestsPerSecond,
            halfRate, completionBySize, Latency.of(firstChunks), Latency.of(idleFirst),
            prefillAndStep(inProcess, idle.get(0)), measured);
      }
    }
  }

  /** The workload in-process (all submitted together), then through Kafka (sent back to back). */
  private Round round(FairEngine inProcess, ModelCalls inProcessCalls, ChatbotClient client, ModelCalls serviceCalls,
      List<Workload.Request> workload, int round) throws Exception {
    List<FairRequest> requests = resolved(inProcess, workload, round);
    inProcess.generate(requests.subList(0, 1)); // as the Kafka side's warm-up
    ModelCalls.Count inProcessBefore = inProcessCalls.now();
    CpuUse inProcessCpu = CpuUse.start();
    double inProcessTps = inProcess(inProcess, requests);
    CpuUse.Phase inProcessUse = inProcessCpu.stop();
    ModelCalls.Count inProcessCount = inProcessCalls.now().minus(inProcessBefore);
    ModelCalls.Count serviceBefore = serviceCalls.now();
    CpuUse kafkaCpu = CpuUse.start();
    List<Answer> saturated = ask(client, workload, null, "saturation" + round, false);
    CpuUse.Phase kafkaUse = kafkaCpu.stop();
    ModelCalls.Count kafkaCount = serviceCalls.now().minus(serviceBefore);
    long tokens = saturated.stream().mapToLong(a -> a.completion.getCompletionTokens()).sum();
    return new Round(inProcessTps, tokens / kafkaUse.wallSeconds(), inProcessUse, kafkaUse, inProcessCount, kafkaCount);
  }

  /** The service as {@code run} builds it, with the bench's commit interval and a deadline that never cuts an answer. */
  private Map<String, String> settings(EmbeddedKafka kafka) throws IOException {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("bootstrap.servers", kafka.bootstrapServers());
    settings.put("application.id", "equistream-bench");
    settings.put("state.dir", Files.createTempDirectory("bench-state").toString());
    settings.put("commit.interval.ms", String.valueOf(commitIntervalMs));
    settings.put("equistream.model.dir", model);
    settings.put("equistream.threads", String.valueOf(threads));
    settings.put("equistream.topics.create", "true");
    settings.put("equistream.topics.partitions", "2");
    settings.put("equistream.limit.max.new.tokens", "256");
    // Throughput, not deadlines: at saturation on a slow moment the last of 24 requests can be
    // running two minutes after it was sent, and the default deadline (120 s) would end it early
    // with fewer tokens, which made the Kafka side look slower than it is.
    settings.put("equistream.request.deadline.ms", String.valueOf(Duration.ofMinutes(20).toMillis()));
    return settings;
  }

  private static Map<String, Latency> bySize(List<Workload.Request> workload, List<Answer> answers) {
    Map<String, List<Double>> bySize = new LinkedHashMap<>();
    for (int i = 0; i < answers.size(); i++) {
      bySize.computeIfAbsent(sizeClass(workload.get(i)), k -> new ArrayList<>()).add(answers.get(i).millis);
    }
    Map<String, Latency> completionBySize = new LinkedHashMap<>();
    for (String size : List.of("small", "medium", "large")) {
      if (bySize.containsKey(size)) {
        completionBySize.put(size, Latency.of(bySize.get(size)));
      }
    }
    return completionBySize;
  }

  /** Small: up to 128 prompt + new tokens; medium: up to 384; large: more. */
  static String sizeClass(Workload.Request request) {
    return request.size() <= 128 ? "small" : request.size() <= 384 ? "medium" : "large";
  }

  /** The workload as in-process requests (method multi over all groups, greedy), ids unique per round. */
  private static List<FairRequest> resolved(FairEngine engine, List<Workload.Request> workload, int round) {
    List<FairRequest> requests = new ArrayList<>();
    for (int i = 0; i < workload.size(); i++) {
      Workload.Request w = workload.get(i);
      requests.add(engine.resolver().resolve("in-" + round + "-" + i, w.prompt(), GenerationParams.greedy(w.newTokens()),
          "multi", List.of(), "probs"));
    }
    return requests;
  }

  /** All the requests submitted together; tokens per second until the last one is answered. */
  private static double inProcess(FairEngine engine, List<FairRequest> requests) {
    long started = System.nanoTime();
    long tokens = 0;
    for (EngineOutcome outcome : engine.run(requests)) {
      tokens += outcome.result().completionIds().length;
    }
    return tokens / ((System.nanoTime() - started) / 1e9);
  }

  /** The idle first-chunk target's model part: one prefill and one step of this request, in-process. */
  private static double prefillAndStep(FairEngine engine, Workload.Request request) {
    FairRequest resolved = engine.resolver().resolve("ttft", request.prompt(), GenerationParams.greedy(2), "multi",
        List.of(), "probs");
    engine.generate(List.of(resolved));
    long t0 = System.nanoTime();
    engine.generate(List.of(resolved));
    return (System.nanoTime() - t0) / 1e6;
  }

  /** Sends the requests (back to back, or Poisson at the rate given) and waits for every answer. */
  private List<Answer> ask(ChatbotClient client, List<Workload.Request> workload, Random arrivals, String phase,
      boolean stream, double... ratePerSecond) throws Exception {
    List<CompletableFuture<Answer>> futures = new ArrayList<>();
    long next = System.nanoTime();
    for (int i = 0; i < workload.size(); i++) {
      if (arrivals != null) {
        long wait = next - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        next += (long) (-Math.log(1 - arrivals.nextDouble()) / ratePerSecond[0] * 1e9); // Poisson arrivals
      }
      Workload.Request w = workload.get(i);
      long sent = System.nanoTime();
      long[] firstChunk = {0};
      PromptRequest request = PromptRequest.newBuilder().setRequestId(phase + "-" + i + "-" + sent)
          .setConversationId(phase + "-" + i).setPrompt(w.prompt()).setMaxNewTokens(w.newTokens())
          .setCreatedAt(Instant.now()).build();
      CompletableFuture<FairCompletion> answer = stream ? client.askStreaming(request, chunk -> {
        if (firstChunk[0] == 0) {
          firstChunk[0] = System.nanoTime();
        }
      }, Duration.ofMinutes(20)) : client.ask(request, Duration.ofMinutes(20));
      futures.add(answer.thenApply(c -> new Answer(c, (System.nanoTime() - sent) / 1e6,
          firstChunk[0] == 0 ? Double.NaN : (firstChunk[0] - sent) / 1e6)));
    }
    List<Answer> answers = new ArrayList<>();
    for (CompletableFuture<Answer> future : futures) {
      Answer answer = future.get();
      if (answer.completion.getStatus() != CompletionStatus.OK) {
        throw new IllegalStateException("bench request failed: " + answer.completion.getReason());
      }
      if (FinishReason.DEADLINE.label().equals(answer.completion.getFinishReason())) {
        throw new IllegalStateException("bench request ended by its deadline: " + answer.completion.getRequestId());
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
}
