package io.equistream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.stream.observe.ObservabilityServer;
import io.equistream.stream.observe.ServiceMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Safety checks against a real in-JVM KRaft broker and real Kafka Streams instances. */
class SafetyKafkaTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.start(1);
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  /** The stream thread crashes on every record and is replaced each time: a crash loop must not look alive. */
  @Test
  void aCrashLoopingStreamThreadTurnsLivenessDown() throws Exception {
    String topic = "crash-in";
    TopicSetup.createMissing(kafka.clientProperties(), java.util.List.of(topic), 1, (short) 1);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(topic, Consumed.with(Serdes.String(), Serdes.String())).foreach((key, value) -> {
      throw new IllegalStateException("poison record " + key);
    });
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "crash-loop");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("crash-state").toString());
    // A dead thread's group member lingers until its session times out: keep that short.
    props.put(StreamsConfig.consumerPrefix("session.timeout.ms"), "6000");
    props.put(StreamsConfig.consumerPrefix("heartbeat.interval.ms"), "1000");
    try (ServiceMetrics metrics = new ServiceMetrics();
        ObservabilityServer http = ObservabilityServer.start(0, metrics);
        KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
      streams.setUncaughtExceptionHandler(
          e -> StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD);
      metrics.bind(streams);
      http.attach(streams);
      streams.start();
      await(() -> streams.state() == KafkaStreams.State.RUNNING, Duration.ofSeconds(60), "RUNNING");
      assertEquals(200, get(http, "/health/live").statusCode(), "alive before the poison record");

      try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.clientProperties(),
          new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>(topic, "k", "poison")).get();
      }
      await(() -> failedThreads(streams) >= 4, Duration.ofSeconds(120), "four stream thread replacements");
      HttpResponse<String> live = get(http, "/health/live");
      assertEquals(503, live.statusCode(), live.body());
      assertTrue(live.body().contains("\"status\":\"DOWN\""), live.body());
      assertFalse(streams.state() == KafkaStreams.State.ERROR, "the threads were replaced, the client did not fail");
    }
  }

  @Test
  void replyTopicLookupsNeverBlockTheCaller() {
    Map<String, Object> unreachable = Map.of("bootstrap.servers", "127.0.0.1:9", "request.timeout.ms", "20000",
        "default.api.timeout.ms", "20000");
    try (ReplyTopics topics = new ReplyTopics(Admin.create(unreachable))) {
      for (int i = 0; i < 3; i++) {
        long started = System.nanoTime();
        boolean usable = topics.test("reply-somewhere");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertFalse(usable, "an unverified topic is not used");
        assertTrue(millis < 200, "lookup " + i + " blocked the caller for " + millis + " ms");
      }
    }
  }

  static long failedThreads(KafkaStreams streams) {
    for (Map.Entry<MetricName, ? extends org.apache.kafka.common.Metric> e : streams.metrics().entrySet()) {
      if (e.getKey().name().equals("failed-stream-threads")) {
        return ((Number) e.getValue().metricValue()).longValue();
      }
    }
    return 0;
  }

  static HttpResponse<String> get(ObservabilityServer http, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.port() + path))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static void await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(100);
    }
  }
}
