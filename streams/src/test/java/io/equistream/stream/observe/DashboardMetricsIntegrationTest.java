package io.equistream.stream.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.equistream.TestAssets;
import io.equistream.client.ChatbotClient;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.stream.EmbeddedKafka;
import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard of deploy/ against the real service: every metric a panel or variable
 * queries, and every label it matches or groups by, exists in a real /metrics scrape of the
 * service on a real broker after it answered base and fair requests.
 */
class DashboardMetricsIntegrationTest {
  static final Path DASHBOARDS = Path.of("deploy/monitoring/grafana/dashboards");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*(\\w+)\\s*,\\s*(\\w+)\\s*\\)");
  private static final Pattern SERIES_LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"");

  @Test
  void everyMetricTheDashboardQueriesIsInARealScrape() throws Exception {
    List<String> queries = dashboardQueries();
    assertTrue(queries.size() >= 15, "the dashboard's queries: " + queries);
    String scrape = scrapeAfterTraffic();
    Map<String, Double> series = new PrometheusText(scrape).all();
    List<String> problems = new ArrayList<>();
    Set<String> queried = new TreeSet<>();
    for (String query : queries) {
      Matcher variable = LABEL_VALUES.matcher(query);
      if (variable.matches()) {
        check(series, variable.group(1), Set.of(variable.group(2)), query, problems);
        queried.add(variable.group(1));
        continue;
      }
      PromQlNames names = new PromQlNames(query);
      assertTrue(!names.metrics.isEmpty(), "a query without a metric: " + query);
      Set<String> allLabels = new HashSet<>();
      names.metrics.forEach((metric, labels) -> {
        check(series, metric, labels, query, problems);
        allLabels.addAll(labelsOf(series, metric));
        queried.add(metric);
      });
      for (String label : names.groupingLabels) {
        if (!allLabels.contains(label)) {
          problems.add(query + ": groups by label '" + label + "' that none of its metrics has");
        }
      }
    }
    assertEquals(List.of(), problems, "dashboard queries that the scrape cannot answer");
    // What the dashboard is for: these families are all on it.
    for (String family : List.of("equistream_disparity_base", "equistream_disparity_fair",
        "equistream_intervention_rate_sum", "equistream_tokens_per_second", "equistream_request_latency_seconds_bucket",
        "equistream_forward_sequences_total", "equistream_equitune_sequences_without_dedup_total")) {
      assertTrue(queried.stream().anyMatch(m -> m.startsWith(family)), family + " is not on the dashboard: " + queried);
    }
  }

  private static void check(Map<String, Double> series, String metric, Set<String> labels, String query,
      List<String> problems) {
    Set<String> present = labelsOf(series, metric);
    if (series.keySet().stream().noneMatch(k -> k.equals(metric) || k.startsWith(metric + "{"))) {
      problems.add(query + ": metric " + metric + " is not in the scrape");
      return;
    }
    for (String label : labels) {
      if (!present.contains(label)) {
        problems.add(query + ": metric " + metric + " has no label '" + label + "' (it has " + present + ")");
      }
    }
  }

  private static Set<String> labelsOf(Map<String, Double> series, String metric) {
    Set<String> labels = new HashSet<>();
    for (String key : series.keySet()) {
      if (key.startsWith(metric + "{")) {
        Matcher m = SERIES_LABEL.matcher(key.substring(metric.length()));
        while (m.find()) {
          labels.add(m.group(1));
        }
      }
    }
    return labels;
  }

  /** Every panel target's expr (rows included) and every query variable of every dashboard JSON. */
  static List<String> dashboardQueries() throws Exception {
    List<String> queries = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> list = Files.list(DASHBOARDS)) {
      files = list.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }
    assertTrue(!files.isEmpty(), "no dashboard JSON in " + DASHBOARDS);
    ObjectMapper json = new ObjectMapper();
    for (Path file : files) {
      JsonNode dashboard = json.readTree(file.toFile());
      collectTargets(dashboard.path("panels"), queries);
      for (JsonNode variable : dashboard.path("templating").path("list")) {
        if ("query".equals(variable.path("type").asText())) {
          JsonNode query = variable.path("query");
          queries.add(query.isTextual() ? query.asText() : query.path("query").asText());
        }
      }
    }
    return queries;
  }

  private static void collectTargets(JsonNode panels, List<String> into) {
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        into.add(target.path("expr").asText());
      }
      collectTargets(panel.path("panels"), into);
    }
  }

  /** The real service on a real broker answers base and fair requests (16 new tokens each); then /metrics. */
  private static String scrapeAfterTraffic() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(1);
        ServiceMetrics metrics = new ServiceMetrics();
        ObservabilityServer http = ObservabilityServer.start(0, metrics)) {
      Map<String, String> settings = TestAssets.serviceSettings(kafka.bootstrapServers(), "dashboard-it", "dashboard");
      settings.put("equistream.topics.partitions", "1");
      settings.put("equistream.default.max.new.tokens", "16");
      ServiceConfig config = ServiceConfig.load(null, settings);
      try (FairStreamsService service = new FairStreamsService(config, metrics)) {
        metrics.bind(service.streams());
        metrics.bindEngine(service.engine().stats());
        http.attach(service.streams());
        service.start();
        service.awaitRunning(Duration.ofSeconds(60));
        List<FairCompletion> answers = new ArrayList<>();
        try (ChatbotClient client = new ChatbotClient(config.clientProperties(), config.topics().prompts(),
            config.topics().completions(), false)) {
          List<CompletableFuture<FairCompletion>> pending = List.of(
              client.ask(request("d-1", "The gay Muslim woman from the Black church worked as a", "multi"),
                  Duration.ofSeconds(120)),
              client.ask(request("d-2", "The man worked as a", "multi"), Duration.ofSeconds(120)),
              client.ask(request("d-3", "The woman worked as a", "none"), Duration.ofSeconds(120)),
              client.ask(request("d-4", "", "multi"), Duration.ofSeconds(120)));
          for (CompletableFuture<FairCompletion> answer : pending) {
            answers.add(answer.get());
          }
        }
        assertEquals(List.of(CompletionStatus.OK, CompletionStatus.OK, CompletionStatus.OK, CompletionStatus.REJECTED),
            answers.stream().map(FairCompletion::getStatus).toList());
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + http.port() + "/metrics")).timeout(Duration.ofSeconds(10)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        return response.body();
      }
    }
  }

  private static PromptRequest request(String id, String prompt, String method) {
    return PromptRequest.newBuilder().setRequestId(id).setConversationId(id).setPrompt(prompt).setMethod(method)
        .setCreatedAt(Instant.now()).build();
  }
}
