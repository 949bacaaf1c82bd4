package io.equistream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.answer.ReplyRouting.Existence;
import io.equistream.fault.AvroBombs;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.stream.observe.ObservabilityServer;
import io.equistream.stream.observe.ServiceMetrics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
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
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
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

  /** Existence is learned in the background; hits and misses are cached for their TTLs (controlled clock). */
  @Test
  void replyTopicLookupsLearnInTheBackgroundAndCacheHitsAndMisses() throws Exception {
    AtomicLong nanos = new AtomicLong(1_000_000_000L);
    Duration hitTtl = Duration.ofSeconds(60);
    Duration missTtl = Duration.ofSeconds(10);
    try (Admin admin = Admin.create(kafka.clientProperties());
        ReplyTopics topics = new ReplyTopics(Admin.create(kafka.clientProperties()), hitTtl, missTtl, nanos::get)) {
      assertEquals(Existence.UNKNOWN, topics.lookup("reply-late"), "the first ask answers at once");
      await(() -> topics.lookup("reply-late") == Existence.MISSING, Duration.ofSeconds(30), "the miss");
      admin.createTopics(List.of(new NewTopic("reply-late", 1, (short) 1))).all().get();
      Thread.sleep(500);
      assertEquals(Existence.MISSING, topics.lookup("reply-late"), "a miss is cached for its TTL");
      nanos.addAndGet(missTtl.toNanos() + 1);
      assertEquals(Existence.MISSING, topics.lookup("reply-late"), "stale while the refresh runs");
      await(() -> topics.lookup("reply-late") == Existence.EXISTS, Duration.ofSeconds(30), "the refresh");
      assertTrue(topics.test("reply-late"));

      admin.deleteTopics(List.of("reply-late")).all().get();
      await(() -> !topicNames(admin).contains("reply-late"), Duration.ofSeconds(30), "deletion");
      assertEquals(Existence.EXISTS, topics.lookup("reply-late"), "a hit is cached for its TTL");
      nanos.addAndGet(hitTtl.toNanos() + 1);
      topics.lookup("reply-late");
      await(() -> topics.lookup("reply-late") == Existence.MISSING, Duration.ofSeconds(30), "the hit's refresh");
    }
  }

  /**
   * An answer larger than the producer may send, under exactly-once: the guard refuses it at
   * serialization, the handler writes a small FAILED answer in the same transaction, and the stream
   * thread lives on. (Without the guard the producer's RecordTooLargeException aborts the
   * transaction and the thread dies and reprocesses the record forever.)
   */
  @Test
  void anOversizedAnswerBecomesAFailedAnswerUnderExactlyOnce() throws Exception {
    TopicSetup.createMissing(kafka.clientProperties(), List.of("big-in", "big-out", "big-dlq"), 1, (short) 1);
    Map<String, String> settings = new HashMap<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
        "application.id", "oversized", "commit.interval.ms", "100", "equistream.topic.dlq", "big-dlq",
        "equistream.limit.max.output.bytes", "100000"));
    settings.put("state.dir", Files.createTempDirectory("big-state").toString());
    settings.put(StreamsConfig.producerPrefix("max.request.size"), "150000");
    ServiceConfig config = ServiceConfig.load(null, settings);
    int cap = config.intValue("equistream.limit.max.output.bytes");
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, String> in = builder.stream("big-in", Consumed.with(Serdes.String(), Serdes.String()));
    in.mapValues((id, size) -> FairCompletion.newBuilder().setRequestId(id).setStatus(CompletionStatus.OK)
            .setCompletion("x".repeat(Integer.parseInt(size))).build())
        .to("big-out", Produced.with(Serdes.String(), OutputSizeGuard.capped(AvroSerde.of(FairCompletion.class), cap)));
    AtomicInteger threadDeaths = new AtomicInteger();
    try (KafkaStreams streams = new KafkaStreams(builder.build(), config.kafkaProperties())) {
      streams.setUncaughtExceptionHandler(e -> {
        threadDeaths.incrementAndGet();
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
      });
      streams.start();
      await(() -> streams.state() == KafkaStreams.State.RUNNING, Duration.ofSeconds(60), "RUNNING");
      try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.clientProperties(),
          new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>("big-in", "small-1", "20")).get();
        producer.send(new ProducerRecord<>("big-in", "huge", "400000")).get();
        producer.send(new ProducerRecord<>("big-in", "small-2", "20")).get();
      }
      List<ConsumerRecord<byte[], byte[]>> out = readCommitted("big-out", 3, Duration.ofSeconds(60));
      List<FairCompletion> answers = new ArrayList<>();
      out.forEach(r -> answers.add(AvroSerde.of(FairCompletion.class).deserializer().deserialize("big-out", r.value())));
      assertEquals(List.of("small-1", "huge", "small-2"), answers.stream().map(FairCompletion::getRequestId).toList());
      FairCompletion failed = answers.get(1);
      assertEquals(CompletionStatus.FAILED, failed.getStatus());
      assertTrue(failed.getReason().contains("exceeds equistream.limit.max.output.bytes=100000"), failed.getReason());
      assertEquals(CompletionStatus.OK, answers.get(2).getStatus(), "the service kept answering");
      assertEquals(0, threadDeaths.get(), "no stream thread died");
      assertEquals(0, failedThreads(streams));
      assertEquals(KafkaStreams.State.RUNNING, streams.state());
    }
  }

  /** Avro length bombs and a near-1 MB garbage record, through a real Streams app: small dead letters with the reason. */
  @Test
  void lengthBombsAndHugeGarbageAreDeadLetteredSmall() throws Exception {
    TopicSetup.createMissing(kafka.clientProperties(), List.of("bomb-in", "bomb-out", "bomb-dlq"), 1, (short) 1);
    Map<String, String> settings = new HashMap<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
        "application.id", "bombs", "commit.interval.ms", "100", "equistream.topic.dlq", "bomb-dlq"));
    settings.put("state.dir", Files.createTempDirectory("bomb-state").toString());
    ServiceConfig config = ServiceConfig.load(null, settings);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("bomb-in", Consumed.with(Serdes.String(), StrictUtf8PromptSerde.create()))
        .mapValues(PromptRequest::getRequestId).to("bomb-out", Produced.with(Serdes.String(), Serdes.String()));
    byte[] garbage = new byte[900_000];
    java.util.Arrays.fill(garbage, (byte) 0x7B);
    try (KafkaStreams streams = new KafkaStreams(builder.build(), config.kafkaProperties());
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(),
            new ByteArraySerializer())) {
      streams.start();
      await(() -> streams.state() == KafkaStreams.State.RUNNING, Duration.ofSeconds(60), "RUNNING");
      producer.send(new ProducerRecord<>("bomb-in", "string-bomb".getBytes(StandardCharsets.UTF_8),
          AvroBombs.string())).get();
      producer.send(new ProducerRecord<>("bomb-in", "garbage".getBytes(StandardCharsets.UTF_8), garbage)).get();
      PromptRequest valid = PromptRequest.newBuilder().setRequestId("fine").setPrompt("The man").build();
      producer.send(new ProducerRecord<>("bomb-in", "fine".getBytes(StandardCharsets.UTF_8),
          AvroSerde.of(PromptRequest.class).serializer().serialize("bomb-in", valid))).get();
      List<ConsumerRecord<byte[], byte[]>> dead = readCommitted("bomb-dlq", 2, Duration.ofSeconds(60));
      assertEquals(2, dead.size());
      assertEquals(16, dead.get(0).value().length, "a small dead letter stays byte for byte");
      assertTrue(header(dead.get(0), DeadLetters.ERROR_HEADER).contains("length limit: a string of 2147483639 bytes"),
          header(dead.get(0), DeadLetters.ERROR_HEADER));
      assertEquals(65_536, dead.get(1).value().length);
      assertTrue(header(dead.get(1), DeadLetters.TRUNCATED_HEADER).contains("900000"));
      assertTrue(header(dead.get(1), DeadLetters.ERROR_HEADER).contains("bad magic"));
      List<ConsumerRecord<byte[], byte[]>> out = readCommitted("bomb-out", 1, Duration.ofSeconds(30));
      assertEquals("fine", new String(out.get(0).value(), StandardCharsets.UTF_8), "the app kept processing");
      assertEquals(0, failedThreads(streams));
    }
  }

  private static List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic, int expected, Duration timeout) {
    Map<String, Object> props = new HashMap<>(kafka.clientProperties());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = List.of(new TopicPartition(topic, 0));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      consumer.poll(Duration.ofSeconds(1)).forEach(out::add); // a duplicate would show here
    }
    return out;
  }

  private static Set<String> topicNames(Admin admin) {
    try {
      return admin.listTopics().names().get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
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
