package io.equistream.stream.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import io.micrometer.core.instrument.MockClock;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** The metrics listener, the tokens/s window, probe semantics and the HTTP endpoints, without Kafka. */
class ServiceMetricsTest {
  private static FairCompletion completion(String id, CompletionStatus status, String method, int tokens) {
    return FairCompletion.newBuilder().setRequestId(id).setStatus(status).setMethod(method)
        .setCompletionTokens(tokens).setForwardSequences(3L * tokens).setEquituneSequencesWithoutDedup(8L * tokens)
        .setTotalMs(120).setQueueMs(20).setInferenceMs(100).build();
  }

  private static FairnessAudit audit(String id, double baseGender, double fairGender) {
    return FairnessAudit.newBuilder().setRequestId(id).setStatus(CompletionStatus.OK).setMethod("multi").setSteps(4)
        .setInterventionCount(1).setInterventionRate(0.25)
        .setDisparities(List.of(
            GroupDisparity.newBuilder().setGroup("gender").setBaseMean(baseGender).setBaseMax(baseGender)
                .setFairMean(fairGender).setFairMax(fairGender).build(),
            GroupDisparity.newBuilder().setGroup("religion").setBaseMean(Double.NaN).setBaseMax(Double.NaN)
                .setFairMean(Double.NaN).setFairMax(Double.NaN).build()))
        .build();
  }

  @Test
  void listenerEventsBecomePrometheusSeries() {
    MockClock clock = new MockClock();
    try (ServiceMetrics metrics = new ServiceMetrics(clock, 10)) {
      metrics.answered(completion("a", CompletionStatus.OK, "multi", 5), audit("a", 0.4, 1e-7));
      metrics.answered(completion("b", CompletionStatus.OK, "multi", 3), audit("b", 0.2, 0.0));
      metrics.answered(completion("c", CompletionStatus.REJECTED, "", 0), null);
      metrics.answered(completion("d", CompletionStatus.FAILED, "equitune", 0), null);
      metrics.stepDone(6, 2_000_000);
      PrometheusText scrape = new PrometheusText(metrics.scrape());
      assertEquals(8, scrape.sum("equistream_tokens_generated_total"));
      assertEquals(24, scrape.sum("equistream_forward_sequences_total"));
      assertEquals(64, scrape.sum("equistream_equitune_sequences_without_dedup_total"));
      assertEquals(2, scrape.sum("equistream_requests_total", "status=\"ok\"", "method=\"multi\""));
      assertEquals(1, scrape.sum("equistream_requests_total", "status=\"rejected\"", "method=\"unknown\""));
      assertEquals(1, scrape.sum("equistream_requests_total", "status=\"failed\"", "method=\"equitune\""));
      assertEquals(2, scrape.sum("equistream_disparity_base_count", "group=\"gender\"", "method=\"multi\""));
      assertEquals(0.6, scrape.sum("equistream_disparity_base_sum", "group=\"gender\""), 1e-9);
      assertEquals(2, scrape.sum("equistream_disparity_fair_count", "group=\"gender\""));
      assertFalse(scrape.anyStartingWith("equistream_disparity_base_count{group=\"religion\""), "NaN is skipped");
      assertEquals(2, scrape.sum("equistream_intervention_rate_count", "method=\"multi\""));
      assertEquals(2, scrape.sum("equistream_request_latency_seconds_bucket", "status=\"ok\"", "le=\"+Inf\""));
      assertTrue(scrape.named("equistream_request_latency_seconds_bucket").size() > 20, "a real histogram");
      assertEquals(1, scrape.sum("equistream_model_step_rows_count"));
      assertEquals(1, scrape.sum("equistream_model_step_rows_bucket", "le=\"8.0\""));
      assertEquals(0.002, scrape.sum("equistream_model_step_seconds_sum"), 1e-9);
      assertEquals(0.8, scrape.sum("equistream_tokens_per_second"), 1e-9); // 8 tokens / 10 s
      assertEquals(0, scrape.sum("equistream_streams_running"));
      assertTrue(scrape.anyStartingWith("jvm_memory_used_bytes"));

      clock.add(11, TimeUnit.SECONDS);
      assertEquals(0, new PrometheusText(metrics.scrape()).sum("equistream_tokens_per_second"), "window expired");
    }
  }

  @Test
  void rateWindowCountsOnlyTheLastSeconds() {
    MockClock clock = new MockClock();
    RateWindow window = new RateWindow(clock, 5);
    window.add(10);
    clock.add(2, TimeUnit.SECONDS);
    window.add(5);
    assertEquals(3.0, window.perSecond(), 1e-9);
    clock.add(3, TimeUnit.SECONDS); // the first 10 are now 5 s old
    assertEquals(1.0, window.perSecond(), 1e-9);
    clock.add(7, TimeUnit.SECONDS); // a slot is reused after wrapping around
    window.add(20);
    assertEquals(4.0, window.perSecond(), 1e-9);
    assertThrows(IllegalArgumentException.class, () -> new RateWindow(clock, 0));
  }

  @Test
  void probesFollowTheKafkaStreamsState() {
    assertTrue(ObservabilityServer.Health.live(null), "alive while the model loads");
    assertFalse(ObservabilityServer.Health.ready(null));
    for (KafkaStreams.State state : KafkaStreams.State.values()) {
      boolean live = ObservabilityServer.Health.live(state);
      assertEquals(state == KafkaStreams.State.CREATED || state == KafkaStreams.State.REBALANCING
          || state == KafkaStreams.State.RUNNING, live, state.name());
      assertEquals(state == KafkaStreams.State.RUNNING, ObservabilityServer.Health.ready(state), state.name());
    }
  }

  @Test
  void httpEndpointsServeHealthAndMetrics() throws Exception {
    AtomicReference<KafkaStreams.State> state = new AtomicReference<>();
    try (ServiceMetrics metrics = new ServiceMetrics(); ObservabilityServer http = ObservabilityServer.start(0, metrics)) {
      http.attach(state::get);
      assertTrue(http.port() > 0);
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertResponse(client, http, "GET", "/health/live", 200, "\"state\":\"STARTING\"");
      assertResponse(client, http, "GET", "/health/ready", 503, "\"state\":\"STARTING\"");
      state.set(KafkaStreams.State.REBALANCING);
      assertResponse(client, http, "GET", "/health/ready", 503, "REBALANCING");
      state.set(KafkaStreams.State.RUNNING);
      assertResponse(client, http, "GET", "/health/ready", 200, "\"status\":\"UP\"");
      state.set(KafkaStreams.State.ERROR);
      assertResponse(client, http, "GET", "/health/live", 503, "ERROR");
      metrics.answered(completion("a", CompletionStatus.OK, "multi", 2), audit("a", 0.1, 0.0));
      HttpResponse<String> scrape = assertResponse(client, http, "GET", "/metrics", 200, "equistream_tokens_generated_total 2.0");
      assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
      assertResponse(client, http, "POST", "/metrics", 405, "method not allowed");
      assertResponse(client, http, "GET", "/nope", 404, "not found");
      assertEquals(503, client.send(request(http, "HEAD", "/health/live"), HttpResponse.BodyHandlers.discarding())
          .statusCode());
      state.set(KafkaStreams.State.NOT_RUNNING);
      assertResponse(client, http, "GET", "/health/live", 503, "NOT_RUNNING");
      state.set(KafkaStreams.State.RUNNING);
      assertEquals(200, client.send(request(http, "HEAD", "/health/ready"), HttpResponse.BodyHandlers.discarding())
          .statusCode());
    }
    assertThrows(IllegalArgumentException.class, () -> ObservabilityServer.start(70000, null));
  }

  private static HttpRequest request(ObservabilityServer http, String method, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build();
  }

  private static HttpResponse<String> assertResponse(HttpClient client, ObservabilityServer http, String method,
      String path, int status, String bodyFragment) throws IOException, InterruptedException {
    HttpResponse<String> response = client.send(request(http, method, path), HttpResponse.BodyHandlers.ofString());
    assertEquals(status, response.statusCode(), method + " " + path + ": " + response.body());
    assertTrue(response.body().contains(bodyFragment), method + " " + path + ": " + response.body());
    return response;
  }
}
