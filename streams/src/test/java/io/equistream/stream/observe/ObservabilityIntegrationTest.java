package io.equistream.stream.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.client.ChatbotClient;
import io.equistream.stream.EmbeddedKafka;
import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The real service on a real in-JVM KRaft broker with the real tiny model, its metrics listener
 * and HTTP server on an ephemeral port: prompts go in through ChatbotClient, then /metrics is
 * scraped over HTTP and the probes are checked before start, while RUNNING and after close.
 */
class ObservabilityIntegrationTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static HttpResponse<String> get(ObservabilityServer http, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertStatus(ObservabilityServer http, String path, int status, String state) throws Exception {
    HttpResponse<String> response = get(http, path);
    assertEquals(status, response.statusCode(), path + ": " + response.body());
    assertTrue(response.body().contains("\"state\":\"" + state + "\""), path + ": " + response.body());
  }

  private static PromptRequest request(String id, String prompt, String method) {
    return PromptRequest.newBuilder().setRequestId(id).setConversationId(id).setPrompt(prompt).setMethod(method)
        .setCreatedAt(Instant.now()).build();
  }

  @Test
  void scrapedMetricsAndProbesFollowTheRunningService() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(1);
        ServiceMetrics metrics = new ServiceMetrics();
        ObservabilityServer http = ObservabilityServer.start(0, metrics)) {
      Map<String, String> settings = TestAssets.serviceSettings(kafka.bootstrapServers(), "observe-it", "observe");
      settings.put("equistream.topics.partitions", "1");
      settings.put("equistream.default.max.new.tokens", "4");
      settings.put("equistream.http.port", "0");
      ServiceConfig config = ServiceConfig.load(null, settings);

      // Before the service exists (model loading): alive, not ready.
      assertStatus(http, "/health/live", 200, "STARTING");
      assertStatus(http, "/health/ready", 503, "STARTING");

      FairStreamsService service = new FairStreamsService(config, metrics);
      List<FairCompletion> answers = new ArrayList<>();
      try (service) {
        metrics.bind(service.streams());
        metrics.bindEngine(service.engine().stats());
        http.attach(service.streams());
        assertStatus(http, "/health/ready", 503, "CREATED");
        assertStatus(http, "/health/live", 200, "CREATED");
        service.start();
        service.awaitRunning(Duration.ofSeconds(60));
        assertStatus(http, "/health/ready", 200, "RUNNING");
        assertStatus(http, "/health/live", 200, "RUNNING");

        try (ChatbotClient client = new ChatbotClient(config.clientProperties(), config.topics().prompts(),
            config.topics().completions(), false)) {
          List<CompletableFuture<FairCompletion>> pending = List.of(
              client.ask(request("m-1", "The woman worked as a", "multi"), Duration.ofSeconds(90)),
              client.ask(request("m-2", "The man was known for his", "multi"), Duration.ofSeconds(90)),
              client.ask(request("n-1", "The woman worked as a", "none"), Duration.ofSeconds(90)),
              client.ask(request("r-1", "", "multi"), Duration.ofSeconds(90)));
          for (CompletableFuture<FairCompletion> answer : pending) {
            answers.add(answer.get());
          }
        }
        assertEquals(List.of(CompletionStatus.OK, CompletionStatus.OK, CompletionStatus.OK, CompletionStatus.REJECTED),
            answers.stream().map(FairCompletion::getStatus).toList());
        long tokens = answers.stream().mapToLong(FairCompletion::getCompletionTokens).sum();
        long forward = answers.stream().mapToLong(FairCompletion::getForwardSequences).sum();

        HttpResponse<String> response = get(http, "/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        System.out.println(response.body()); // for the test report
        PrometheusText scrape = new PrometheusText(response.body());

        assertTrue(scrape.anyStartingWith("kafka_stream_"), "Kafka Streams metrics are bound");
        assertEquals(1, scrape.sum("kafka_stream_alive_stream_threads"), "one stream thread alive");
        assertEquals(1, scrape.sum("equistream_streams_running"));
        assertTrue(tokens > 0);
        assertEquals(tokens, scrape.sum("equistream_tokens_generated_total"), 1e-9);
        assertTrue(scrape.sum("equistream_tokens_per_second") > 0, "tokens/s over the last 10 s");
        assertEquals(forward, scrape.sum("equistream_forward_sequences_total"), 1e-9);
        assertTrue(scrape.sum("equistream_equitune_sequences_without_dedup_total") >= forward,
            "dedup never runs more than naive EquiTune");
        assertEquals(2, scrape.sum("equistream_requests_total", "method=\"multi\"", "status=\"ok\""));
        assertEquals(1, scrape.sum("equistream_requests_total", "method=\"none\"", "status=\"ok\""));
        assertEquals(1, scrape.sum("equistream_requests_total", "status=\"rejected\""));
        // Disparity summaries per group (the default groups file: gender, race, religion, orientation).
        assertTrue(scrape.sum("equistream_disparity_base_count", "group=\"gender\"", "method=\"multi\"") >= 1);
        assertTrue(scrape.sum("equistream_disparity_fair_count", "group=\"gender\"", "method=\"multi\"") >= 1);
        double baseMax = scrape.sum("equistream_disparity_base_max", "group=\"gender\"", "method=\"multi\"");
        double fairMax = scrape.sum("equistream_disparity_fair_max", "group=\"gender\"", "method=\"multi\"");
        assertTrue(baseMax >= 0 && baseMax <= 1, "base disparity " + baseMax);
        assertTrue(fairMax <= 1e-4, "the fair distribution is equivariant: " + fairMax);
        assertEquals(3, scrape.sum("equistream_intervention_rate_count"));
        // Latency histogram with buckets; +Inf counts every answer.
        assertTrue(scrape.named("equistream_request_latency_seconds_bucket").size() > 20);
        assertEquals(4, scrape.sum("equistream_request_latency_seconds_bucket", "le=\"+Inf\""));
        assertEquals(4, scrape.sum("equistream_request_latency_seconds_count"));
        // The engine's gauges: a budget, nothing left running once every answer is out.
        assertTrue(scrape.sum("equistream_engine_memory_budget_bytes") > 0);
        assertEquals(0, scrape.sum("equistream_engine_running_requests"));
        assertEquals(0, scrape.sum("equistream_engine_waiting_requests"));
        assertTrue(scrape.sum("equistream_engine_memory_reserved_bytes") > 0, "the fixed scratch is always reserved");
        assertEquals(0, scrape.sum("equistream_engine_preemptions_total"));
        assertTrue(scrape.sum("equistream_model_step_seconds_count") >= 3);
        assertTrue(scrape.sum("equistream_model_step_seconds_sum") > 0);
      }
      // Closed: neither ready nor alive.
      assertStatus(http, "/health/ready", 503, "NOT_RUNNING");
      assertStatus(http, "/health/live", 503, "NOT_RUNNING");
      assertEquals(200, get(http, "/metrics").statusCode(), "metrics stay scrapeable");
    }
  }
}
