package io.equistream.cli;

import io.equistream.client.ChatbotClient;
import io.equistream.group.GroupCatalog;
import io.equistream.group.ProductGroup;
import io.equistream.lm.GptTokenizer;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import io.equistream.stream.EmbeddedKafka;
import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceConfig;
import io.equistream.stream.ServiceListener;
import io.equistream.stream.TopicSetup;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole product in one process: a real in-JVM KRaft broker, the service on the tiny model, and
 * counterfactual prompt pairs (differing only by group words) answered by the base model and by the
 * fair method. Per pair it says whether the answers are the group swap of each other; the fair ones
 * must be. Only the story goes to stdout; library logs go to a file unless {@code --verbose}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the service on an in-JVM Kafka broker with counterfactual prompt pairs; print base vs fair"
        + " completions side by side, whether each pair breaks the group swap, totals, the audit summary and the"
        + " HTML report's path.")
final class DemoCommand implements Callable<Integer> {
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(180);

  @Option(names = "--model", defaultValue = "models/tiny-gpt2")
  String model;

  @Option(names = "--groups-file", defaultValue = "models/groups/default.json")
  String groupsFile;

  @Option(names = "--prompts", defaultValue = "models/prompts/demo.jsonl",
      description = "Counterfactual prompt pairs (models/scripts/make_demo_prompts.py). Default: ${DEFAULT-VALUE}")
  Path prompts;

  @Option(names = "--limit", defaultValue = "0", description = "Use only the first N pairs (0 = all).")
  int limit;

  @Option(names = "--method", defaultValue = "multi", description = "Fair method. Default: ${DEFAULT-VALUE}")
  String method;

  @Option(names = "--report", defaultValue = "target/demo/report.html", description = "HTML report. Default: ${DEFAULT-VALUE}")
  Path report;

  @Option(names = "--log", defaultValue = "target/demo/demo.log",
      description = "Where library logs go (unless --verbose). Default: ${DEFAULT-VALUE}")
  Path logFile;

  @Option(names = "--verbose", description = "Library logs on stderr instead of the log file.")
  boolean verbose;

  @Option(names = "--all-groups", description = "Ask every pair fair over all groups of the groups file"
      + " (default: over the groups the pair swaps, so that its audit measures the disparity of those groups).")
  boolean allGroups;

  @Override
  public Integer call() throws Exception {
    try (DemoLog log = DemoLog.open(verbose, logFile)) {
      DemoStory story = new DemoStory(log.story());
      try {
        return run(story);
      } finally {
        if (log.path() != null) {
          story.line("  library logs: " + log.path());
        }
      }
    }
  }

  private int run(DemoStory story) throws Exception {
    List<PairResult> results;
    try (GptTokenizer tokenizer = GptTokenizer.load(Path.of(model, "tokenizer.json"))) {
      GroupCatalog catalog = GroupCatalog.load(Path.of(groupsFile), tokenizer);
      ProductGroup group = catalog.select(catalog.names());
      List<CounterfactualPair> pairs = CounterfactualPair.read(prompts, limit, tokenizer, group);
      story.step(1, "starting an in-JVM Kafka broker (KRaft) and the service (model " + model + ", groups "
          + String.join(", ", group.names()) + ")");
      Path stateDir = Files.createTempDirectory("equistream-demo-state");
      try (EmbeddedKafka kafka = EmbeddedKafka.start(1)) {
        ServiceConfig config = ServiceConfig.load(null, settings(kafka.bootstrapServers(), stateDir));
        TopicSetup.createMissing(config.clientProperties(), config.topics().all(), 1, (short) 1);
        try (FairStreamsService service = new FairStreamsService(config, ServiceListener.NONE)) {
          service.start();
          service.awaitRunning(Duration.ofSeconds(60));
          story.step(2, "asking " + pairs.size() + " counterfactual pairs: each prompt once to the base model (method"
              + " none) and once fair (method " + method + " over " + (allGroups ? "all groups" : "the groups the pair"
              + " swaps") + "), greedy");
          long started = System.nanoTime();
          List<FairCompletion[]> answers = ask(config, pairs, group);
          DemoTopics topics = new DemoTopics(config.clientProperties());
          Map<String, FairnessAudit> audits = topics.audits(config.topics().audit(), fairRequestIds(pairs));
          results = new ArrayList<>();
          for (int i = 0; i < pairs.size(); i++) {
            CounterfactualPair pair = pairs.get(i);
            results.add(PairResult.of(pair, answers.get(i), audits.get(pair.first().getRequestId()),
                audits.get(pair.second().getRequestId()), group, tokenizer));
          }
          story.line(String.format(java.util.Locale.ROOT, "  %d answers in %.0f s", 4 * pairs.size(),
              (System.nanoTime() - started) / 1e9));
          story.step(3, "the pairs, base and fair side by side; a pair breaks the swap when the second answer is"
              + " not the first with the pair's group swap applied, token by token");
          story.pairs(results, method);
          story.step(4, "totals");
          story.totals(results, method);
          story.step(5, "audit summary (fairness-audit-summary of the " + method + " requests, latest window per"
              + " groups) and report");
          story.summaries(topics.summaries(config.topics().auditSummary(), 2L * pairs.size()).values(), method);
          story.line(writeReport(kafka.bootstrapServers(), config));
        }
      } finally {
        deleteRecursively(stateDir);
      }
    }
    long fairBroken = DemoStory.broken(results, PairResult::fair);
    if (fairBroken > 0 && !method.equals("none")) {
      story.line("  the fair answers broke the swap in " + fairBroken + " pairs: that is an equivariance failure");
      return 1;
    }
    return 0;
  }

  private Map<String, String> settings(String bootstrap, Path stateDir) {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("bootstrap.servers", bootstrap);
    settings.put("application.id", "equistream-demo");
    settings.put("state.dir", stateDir.toString());
    settings.put("commit.interval.ms", "100");
    settings.put("equistream.model.dir", model);
    settings.put("equistream.groups.file", groupsFile);
    settings.put("equistream.topics.partitions", "1");
    settings.put("equistream.topics.create", "true");
    return settings;
  }

  /** Per pair: {base first, base second, fair first, fair second}. */
  private List<FairCompletion[]> ask(ServiceConfig config, List<CounterfactualPair> pairs, ProductGroup group)
      throws Exception {
    try (ChatbotClient client = new ChatbotClient(config.clientProperties(), config.topics().prompts(),
        config.topics().completions(), false)) {
      List<List<CompletableFuture<FairCompletion>>> pending = new ArrayList<>();
      for (CounterfactualPair pair : pairs) {
        List<String> groups = allGroups ? List.of() : pair.swappedGroups(group); // empty = all
        pending.add(List.of(
            client.ask(copy(pair.first(), pair.first().getRequestId() + "-base", "none", groups), ANSWER_TIMEOUT),
            client.ask(copy(pair.second(), pair.second().getRequestId() + "-base", "none", groups), ANSWER_TIMEOUT),
            client.ask(copy(pair.first(), pair.first().getRequestId(), method, groups), ANSWER_TIMEOUT),
            client.ask(copy(pair.second(), pair.second().getRequestId(), method, groups), ANSWER_TIMEOUT)));
      }
      List<FairCompletion[]> answers = new ArrayList<>();
      for (List<CompletableFuture<FairCompletion>> four : pending) {
        FairCompletion[] row = new FairCompletion[4];
        for (int i = 0; i < 4; i++) {
          row[i] = four.get(i).get();
        }
        answers.add(row);
      }
      return answers;
    }
  }

  private static Set<String> fairRequestIds(List<CounterfactualPair> pairs) {
    Set<String> ids = new HashSet<>();
    pairs.forEach(p -> {
      ids.add(p.first().getRequestId());
      ids.add(p.second().getRequestId());
    });
    return ids;
  }

  private static PromptRequest copy(PromptRequest request, String id, String method, List<String> groups) {
    return PromptRequest.newBuilder(request).setRequestId(id).setConversationId(id).setMethod(method)
        .setGroups(groups).setCreatedAt(Instant.now()).build();
  }

  /** Through the report command's public entry point; its own output goes where library logs go. */
  private String writeReport(String bootstrap, ServiceConfig config) {
    Path out = report.toAbsolutePath();
    int exit = EquiStreamCli.execute(new PrintWriter(System.err, true), "report", "--bootstrap", bootstrap,
        "--topic", config.topics().audit(), "--summary-topic", config.topics().auditSummary(), "--out", out.toString(),
        "--title", "EquiStream demo: base vs fair on counterfactual pairs");
    return exit == 0 ? "  report: " + out : "  report: not written (exit " + exit + "; see the log)";
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    if (Files.exists(dir)) {
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
