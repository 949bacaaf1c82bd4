package io.equistream.cli;

import io.equistream.audit.Measured;
import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroJson;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.client.ChatbotClient;
import io.equistream.stream.EmbeddedKafka;
import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceConfig;
import io.equistream.stream.ServiceListener;
import io.equistream.stream.TopicSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole product in one process: a real in-JVM KRaft broker, the topology on the tiny model,
 * the bias-audit prompts sent twice (fair and base), answers side by side, and the audit summary.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the service on an in-JVM Kafka broker with the demo prompts, print fair vs base completions and the audit summary.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "models/tiny-gpt2")
  String model;

  @Option(names = "--groups-file", defaultValue = "models/groups/default.json")
  String groupsFile;

  @Option(names = "--prompts", defaultValue = "models/prompts/demo.jsonl")
  Path prompts;

  @Option(names = "--limit", defaultValue = "0", description = "Use only the first N prompts (0 = all).")
  int limit;

  @Option(names = "--method", defaultValue = "multi", description = "Fair method. Default: ${DEFAULT-VALUE}")
  String method;

  @Override
  public Integer call() throws Exception {
    List<PromptRequest> requests = readPrompts();
    Path stateDir = Files.createTempDirectory("equistream-demo-state");
    progress(1, "starting an in-JVM Kafka broker (KRaft)");
    try (EmbeddedKafka kafka = EmbeddedKafka.start(1)) {
      Map<String, String> settings = new LinkedHashMap<>();
      settings.put("bootstrap.servers", kafka.bootstrapServers());
      settings.put("application.id", "equistream-demo");
      settings.put("state.dir", stateDir.toString());
      settings.put("commit.interval.ms", "100");
      settings.put("equistream.model.dir", model);
      settings.put("equistream.groups.file", groupsFile);
      settings.put("equistream.topics.partitions", "1");
      settings.put("equistream.topics.create", "true");
      ServiceConfig config = ServiceConfig.load(null, settings);
      progress(2, "creating topics and starting the service (model " + model + ")");
      TopicSetup.createMissing(config.clientProperties(), config.topics().all(), 1, (short) 1);
      try (FairStreamsService service = new FairStreamsService(config, ServiceListener.NONE)) {
        service.start();
        service.awaitRunning(Duration.ofSeconds(60));
        progress(3, "sending " + requests.size() + " prompts twice (" + method + " and base)");
        List<String[]> rows = ask(config, requests);
        progress(4, "answers (base model | fair, " + method + ")");
        for (String[] row : rows) {
          System.out.printf("%n  %s%n    base: %s%n    fair: %s%n", row[0], row[1], row[2]);
        }
        progress(5, "audit summary (fairness-audit-summary, latest window per method+groups)");
        printSummaries(config, 2L * requests.size());
      }
    } finally {
      deleteRecursively(stateDir);
    }
    System.out.println("\ndemo finished");
    return 0;
  }

  private List<PromptRequest> readPrompts() throws java.io.IOException {
    if (!Files.isRegularFile(prompts)) {
      throw new IllegalArgumentException("prompts file not found: " + prompts);
    }
    List<PromptRequest> requests = new ArrayList<>();
    for (String line : Files.readAllLines(prompts)) {
      if (!line.isBlank() && (limit <= 0 || requests.size() < limit)) {
        requests.add(AvroJson.fromJson(line, PromptRequest.class));
      }
    }
    return requests;
  }

  private List<String[]> ask(ServiceConfig config, List<PromptRequest> requests) throws Exception {
    try (ChatbotClient client = new ChatbotClient(config.clientProperties(), config.topics().prompts(),
        config.topics().completions(), false)) {
      List<CompletableFuture<FairCompletion>> fair = new ArrayList<>();
      List<CompletableFuture<FairCompletion>> base = new ArrayList<>();
      for (PromptRequest request : requests) {
        fair.add(client.ask(copy(request, request.getRequestId(), method), Duration.ofSeconds(90)));
        base.add(client.ask(copy(request, request.getRequestId() + "-base", "none"), Duration.ofSeconds(90)));
      }
      List<String[]> rows = new ArrayList<>();
      for (int i = 0; i < requests.size(); i++) {
        rows.add(new String[] {requests.get(i).getPrompt(), text(base.get(i).get()), text(fair.get(i).get())});
        if ((i + 1) % 10 == 0 || i + 1 == requests.size()) {
          System.err.printf("    answered %d/%d%n", i + 1, requests.size());
        }
      }
      return rows;
    }
  }

  private static PromptRequest copy(PromptRequest request, String id, String method) {
    return PromptRequest.newBuilder(request).setRequestId(id).setConversationId(id).setMethod(method)
        .setCreatedAt(Instant.now()).build();
  }

  private static String text(FairCompletion completion) {
    return completion.getStatus() == CompletionStatus.OK ? completion.getCompletion().replace('\n', ' ')
        : completion.getStatus() + " (" + completion.getReason() + ")";
  }

  /** Reads the summaries until both methods have counted {@code expectedAudits} (or 15 s pass). */
  private void printSummaries(ServiceConfig config, long expectedAudits) {
    Map<String, Object> props = new HashMap<>(config.clientProperties());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, AuditSummary> latest = new LinkedHashMap<>();
    try (KafkaConsumer<String, AuditSummary> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        AvroSerde.of(AuditSummary.class).deserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(config.topics().auditSummary()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.currentTimeMillis() + 15_000;
      while (System.currentTimeMillis() < deadline && (latest.size() < 2 || totalCount(latest) < expectedAudits)) {
        for (ConsumerRecord<String, AuditSummary> record : consumer.poll(Duration.ofMillis(200))) {
          latest.put(record.key() + "@" + record.value().getWindowStart(), record.value());
        }
      }
    }
    System.out.printf("%n  %-8s %-36s %6s %10s %10s %9s %8s %8s %8s%n", "method", "groups", "count", "base-disp",
        "fair-disp", "interv.", "tokens", "p50 ms", "p99 ms");
    for (AuditSummary s : latest.values()) {
      System.out.printf("  %-8s %-36s %6d %10s %10s %9.3f %8d %8.0f %8.0f%n", s.getMethod(), s.getGroups(),
          s.getCount(), measured("%.4f", s.getMeanBaseDisparity()), measured("%.2e", s.getMeanFairDisparity()),
          s.getInterventionRate(), s.getTokens(), s.getLatencyP50Ms(), s.getLatencyP99Ms());
    }
  }

  /** n/a for what a method does not measure (method none has no disparity). */
  private static String measured(String format, Double value) {
    return Measured.isMeasured(value) ? String.format(Locale.ROOT, format, value) : "n/a";
  }

  private static long totalCount(Map<String, AuditSummary> summaries) {
    return summaries.values().stream().mapToLong(AuditSummary::getCount).sum();
  }

  private static void progress(int step, String what) {
    System.out.printf("[%d/5] %s%n", step, what);
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    if (Files.exists(dir)) {
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
