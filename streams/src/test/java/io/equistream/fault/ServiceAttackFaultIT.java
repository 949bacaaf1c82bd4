package io.equistream.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.fault.Attacks.Expected;
import io.equistream.fault.Attacks.Outcome;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.stream.EmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 13's attacks against the real service: {@code equistream run} as its own JVM at -Xmx384m on
 * a real in-JVM KRaft broker, with one stream thread over 4 partitions; its answers read with
 * read_committed, its /metrics scraped, its log read. Every service topic and the application's own
 * topics sit under the reply-topic prefix, so only the internal/application/service-topic rules can
 * refuse them. Logs: streams/target/fault/attack/.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ServiceAttackFaultIT {
  static final String APP = "reply-attack-app";
  private static final String OTHER_TENANT = "tenant-b-inbox";
  private static final String INBOX = topic("inbox");
  private static final AvroSerde<FairCompletion> COMPLETIONS = AvroSerde.of(FairCompletion.class);
  private static final AvroSerde<FairnessAudit> AUDITS = AvroSerde.of(FairnessAudit.class);

  private static EmbeddedKafka kafka;
  private static String bootstrap;
  private static ServiceProcess service;
  private static int port;
  private static CommittedTail<byte[]> completions;
  private static CommittedTail<byte[]> audits;

  /** Every name under the default reply prefix "reply-". */
  static String topic(String name) {
    return "reply-" + name + "-attack";
  }

  static final List<String> SERVICE_TOPICS = List.of("prompts", "completions", "audit", "audit-summary", "dlq", "chunks");

  @BeforeAll
  static void startServiceOnABroker() throws Exception {
    kafka = EmbeddedKafka.start(1);
    bootstrap = kafka.bootstrapServers();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      List<NewTopic> topics = new ArrayList<>();
      SERVICE_TOPICS.forEach(t -> topics.add(new NewTopic(topic(t), 4, (short) 1)));
      topics.add(new NewTopic(INBOX, 1, (short) 1));
      topics.add(new NewTopic(OTHER_TENANT, 1, (short) 1));
      admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
    }
    Map<String, String> settings = FaultKit.serviceSettings(bootstrap, APP, "attack");
    SERVICE_TOPICS.forEach(t -> settings.put("equistream.topic." + t, topic(t)));
    settings.put("num.stream.threads", "1");
    settings.put("equistream.http.port", "0");
    settings.put("equistream.debug.step.delay.ms", "30"); // requests overlap in the engine
    // Oversized outputs: a 60 KB metadata map passes the (raised) input limit, its answer cannot.
    settings.put("equistream.limit.max.metadata.bytes", "100000");
    settings.put("equistream.limit.max.output.bytes", "40000");
    Path dir = FaultKit.dir("attack");
    service = ServiceProcess.start("instance-0", dir, "-Xmx384m", settings, List.of());
    port = service.httpPort(Duration.ofSeconds(60));
    ServiceProcess.awaitReady(port, Duration.ofSeconds(90));
    completions = new CommittedTail<>(bootstrap, topic("completions"), new ByteArrayDeserializer());
    audits = new CommittedTail<>(bootstrap, topic("audit"), new ByteArrayDeserializer());
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (completions != null) {
        completions.close();
        audits.close();
      }
      if (service != null && service.process.isAlive()) {
        int exit = service.stop();
        assertTrue(ServiceProcess.cleanExit(exit), "unclean stop " + exit + ": " + FaultKit.tail(service.log, 30));
      }
    } finally {
      kafka.close();
    }
  }

  @Test
  @Order(1)
  void everyAttackIsAnsweredOrDeadLetteredAndNothingIsWrittenWhereItMustNotBe() throws Exception {
    List<String> refusedTargets = refusedReplyTargets();
    Map<String, Expected> expected = Attacks.all(refusedTargets, INBOX, topic("nobody"));
    long t0 = System.nanoTime();
    produce(expected);
    long answers = expected.values().stream().filter(e -> e.outcome() != Outcome.DLQ).count();
    long deadLetters = expected.size() - answers;
    Map<String, List<FairCompletion>> byId = awaitAnswers("a-", answers, Duration.ofSeconds(120));
    List<ConsumerRecord<String, byte[]>> dead = FaultKit.readAll(bootstrap, topic("dlq"), new ByteArrayDeserializer(),
        (int) deadLetters, Duration.ofSeconds(60), Duration.ofSeconds(1));
    double seconds = (System.nanoTime() - t0) / 1e9;

    Map<String, String> wrong = new TreeMap<>();
    Map<String, Integer> deadById = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : dead) {
      deadById.merge(r.key(), 1, Integer::sum);
      Header reason = r.headers().lastHeader("equistream.error");
      Expected e = expected.get(r.key());
      String text = reason == null ? null : new String(reason.value(), StandardCharsets.UTF_8);
      if (e == null || e.outcome() != Outcome.DLQ || !Attacks.matches(e.pattern(), text)) {
        wrong.putIfAbsent(e == null ? r.key() : e.kind(), "dead-lettered: " + text);
      }
    }
    expected.forEach((id, e) -> {
      List<FairCompletion> got = byId.getOrDefault(id, List.of());
      int letters = deadById.getOrDefault(id, 0);
      String problem = e.outcome() == Outcome.DLQ
          ? (letters == 1 && got.isEmpty() ? null : letters + " dead letters, " + got.size() + " answers")
          : Attacks.problem(e, got, letters);
      if (problem != null) {
        wrong.putIfAbsent(e.kind(), id + ": " + problem);
      }
    });
    long kinds = expected.values().stream().map(Expected::kind).distinct().count();
    System.out.printf("[fault] attacks: %d records of %d kinds -> %d answers + %d dead letters in %.1f s%n",
        expected.size(), kinds, byId.values().stream().mapToInt(List::size).sum(), dead.size(), seconds);
    audits.awaitQuiet(Duration.ofSeconds(1));
    Map<String, Integer> auditsById = new HashMap<>();
    for (ConsumerRecord<String, byte[]> r : audits.records()) {
      String id = AUDITS.deserializer().deserialize(r.topic(), r.value()).getRequestId(); // fails on a foreign record
      auditsById.merge(id, 1, Integer::sum);
    }
    expected.forEach((id, e) -> {
      if (auditsById.getOrDefault(id, 0) != (e.outcome() == Outcome.DLQ ? 0 : 1)) {
        wrong.putIfAbsent(e.kind(), id + ": " + auditsById.getOrDefault(id, 0) + " audits");
      }
    });
    dead.forEach(r -> assertTrue(r.value() == null || r.value().length <= 65_536, "dead letter of " + r.value().length
        + " bytes"));
    assertEquals(Map.of(), wrong, "records whose outcome was not the expected one (first per kind)");
    assertEquals(expected.size(), answers + deadById.values().stream().mapToInt(Integer::intValue).sum(),
        "lost or duplicated");

    // Nothing the service wrote landed in a refused topic; the allowed one got exactly its copies.
    for (String target : refusedTargets) {
      if (!target.startsWith("__") && !target.equals(topic("completions"))) {
        assertEquals(0, TopicScan.completionsIn(bootstrap, target), "completions copied into " + target);
      }
    }
    assertEquals(0, TopicScan.count(bootstrap, OTHER_TENANT), "another tenant's topic was written");
    long confirmed = byId.entrySet().stream().filter(a -> expected.get(a.getKey()).kind().equals("allowed reply topic"))
        .filter(a -> a.getValue().get(0).getNotes().isEmpty()).count();
    assertTrue(confirmed > 0, "no allowed reply topic was confirmed in time");
    assertEquals(confirmed, TopicScan.completionsIn(bootstrap, INBOX), "copies in the allowed reply topic");
    assertFalse(TopicScan.exists(bootstrap, topic("nobody")), "a missing reply topic must not be created");
    assertHealthyAndUncrashed();
    String log = service.logText();
    assertFalse(log.contains("FORGED-LINE"), "hostile text reached the log");
    assertFalse(log.contains("java.lang.OutOfMemoryError"), FaultKit.tail(service.log, 30));
  }

  /** 10,000 distinct invalid method strings: all REJECTED, counted under method="other", no new series. */
  @Test
  @Order(2)
  void tenThousandDistinctInvalidMethodsAddNoMetricSeries() throws Exception {
    final int records = 10_000;
    final int warmUp = 10;
    double rejectedBefore = Metrics.scrape(port).valueOrZero("equistream_requests_total", "method=\"other\"",
        "status=\"rejected\"");
    produceMethods(0, warmUp);
    awaitAnswers("m-", warmUp, Duration.ofSeconds(60));
    Metrics first = Metrics.scrape(port);
    long t0 = System.nanoTime();
    produceMethods(warmUp, records);
    Map<String, List<FairCompletion>> byId = awaitAnswers("m-", records, Duration.ofSeconds(180));
    double seconds = (System.nanoTime() - t0) / 1e9;
    Metrics after = Metrics.scrape(port);
    System.out.printf("[fault] %d distinct invalid methods: answered in %.1f s; equistream series %d -> %d%n",
        records, seconds, first.equistreamSeries().size(), after.equistreamSeries().size());
    assertEquals(records, byId.size());
    for (List<FairCompletion> answers : byId.values()) {
      assertEquals(1, answers.size(), "duplicated answer");
      assertEquals(CompletionStatus.REJECTED, answers.get(0).getStatus());
      assertTrue(answers.get(0).getReason().contains("method"), answers.get(0).getReason());
    }
    assertEquals(first.equistreamSeries(), after.equistreamSeries(), "9,990 more method strings added series");
    assertTrue(after.equistreamSeries().stream().noneMatch(s -> s.contains("bogus")), "a method string became a label");
    assertEquals(records, after.value("equistream_requests_total", "method=\"other\"", "status=\"rejected\"")
        - rejectedBefore, 0.0);
    assertHealthyAndUncrashed();
  }

  /**
   * Four partitions, one stream thread, one engine: 10 one-row requests per partition arrive
   * together; a model call over more than 32 rows holds requests of all four partitions.
   */
  @Test
  @Order(3)
  void fourPartitionsOnOneStreamThreadShareTheEngineBatches() throws Exception {
    final int perPartition = 10;
    Metrics before = Metrics.scrape(port);
    try (KafkaProducer<String, PromptRequest> producer = FaultKit.promptProducer(bootstrap)) {
      for (int i = 0; i < 4 * perPartition; i++) {
        PromptRequest request = PromptRequest.newBuilder().setRequestId("p-" + i).setConversationId("")
            .setPrompt(Attacks.NEUTRAL[i % Attacks.NEUTRAL.length]).setGroups(List.of("gender"))
            .setCreatedAt(Instant.now()).build();
        producer.send(new ProducerRecord<>(topic("prompts"), i % 4, "p-" + i, request));
      }
    }
    Map<String, List<FairCompletion>> byId = awaitAnswers("p-", 4 * perPartition, Duration.ofSeconds(120));
    Metrics after = Metrics.scrape(port);
    double wideCalls = after.stepRowsAbove(32) - before.stepRowsAbove(32);
    double maxRows = after.value("equistream_model_step_rows_max");
    System.out.printf("[fault] 4 partitions, 1 stream thread: %d answers; %.0f model calls over > 32 rows,"
        + " widest %.0f rows%n", byId.size(), wideCalls, maxRows);
    assertEquals(4 * perPartition, byId.size());
    List<ConsumerRecord<String, FairCompletion>> answers = new ArrayList<>();
    for (List<FairCompletion> once : byId.values()) {
      assertEquals(1, once.size(), "duplicated answer");
      FairCompletion c = once.get(0);
      answers.add(new ConsumerRecord<>("", 0, 0, c.getRequestId(), c));
      assertEquals(c.getCompletionTokens(), c.getForwardSequences(), c.getRequestId() + " is not one row per step");
    }
    assertEquals("", FaultKit.notFullAnswers(answers));
    assertTrue(wideCalls >= 1, "no model call spanned the four partitions (> 32 rows)");
    assertFalse(service.logText().contains("StreamThread-2"), "more than one stream thread");
    assertHealthyAndUncrashed();
  }

  private static void assertHealthyAndUncrashed() throws Exception {
    assertTrue(service.process.isAlive(), "the service died: " + FaultKit.tail(service.log, 40));
    assertEquals(200, ServiceProcess.get(port, "/health/live").statusCode());
    assertEquals(200, ServiceProcess.get(port, "/health/ready").statusCode(), "no longer RUNNING");
    assertEquals(0.0, Metrics.scrape(port).value("equistream_stream_thread_replacements_recent"), "a thread died");
    assertFalse(service.logText().contains("stream thread failed"), FaultKit.tail(service.log, 40));
  }

  /** Topics a reply may never go to: internal, the application's own, the service's, another tenant's. */
  private static List<String> refusedReplyTargets() throws Exception {
    List<String> targets = new ArrayList<>(List.of("__consumer_offsets", "__transaction_state", OTHER_TENANT));
    SERVICE_TOPICS.forEach(t -> targets.add(topic(t)));
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.listTopics().names().get(30, TimeUnit.SECONDS).stream().filter(t -> t.startsWith(APP + "-")).sorted()
          .forEach(targets::add);
    }
    assertTrue(targets.contains(APP + "-pending-prompts-changelog"), "the buffer's changelog: " + targets);
    return targets;
  }

  private static void produce(Map<String, Expected> records) throws Exception {
    Map<String, Object> props = new HashMap<>(kafka.clientProperties());
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
        new ByteArraySerializer())) {
      for (Map.Entry<String, Expected> e : records.entrySet()) {
        producer.send(new ProducerRecord<>(topic("prompts"), e.getKey(), e.getValue().value())).get();
      }
    }
  }

  private static void produceMethods(int from, int to) throws Exception {
    try (KafkaProducer<String, PromptRequest> producer = FaultKit.promptProducer(bootstrap)) {
      for (int i = from; i < to; i++) {
        PromptRequest request = PromptRequest.newBuilder().setRequestId("m-" + i).setConversationId("")
            .setPrompt("The woman worked as a").setMethod("bogus-" + i + "-" + Integer.toHexString(i * 7919))
            .setCreatedAt(Instant.now()).build();
        producer.send(new ProducerRecord<>(topic("prompts"), "m-" + i, request));
      }
    }
  }

  /** The completions (committed) of the ids with this prefix, once {@code n} ids are in and 2 s passed quietly. */
  private static Map<String, List<FairCompletion>> awaitAnswers(String prefix, long n, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, List<FairCompletion>> byId = new LinkedHashMap<>();
    while (System.nanoTime() < deadline) {
      byId = answersWithPrefix(prefix);
      if (byId.size() >= n) {
        completions.awaitQuiet(Duration.ofSeconds(2));
        return answersWithPrefix(prefix);
      }
      Thread.sleep(200);
    }
    throw new AssertionError("only " + byId.size() + " of " + n + " '" + prefix + "' answers: "
        + FaultKit.tail(service.log, 30));
  }

  private static Map<String, List<FairCompletion>> answersWithPrefix(String prefix) {
    Map<String, List<FairCompletion>> byId = new LinkedHashMap<>();
    for (ConsumerRecord<String, byte[]> r : completions.records()) {
      FairCompletion c = COMPLETIONS.deserializer().deserialize(r.topic(), r.value());
      if (c.getRequestId().startsWith(prefix)) {
        byId.computeIfAbsent(c.getRequestId(), k -> new ArrayList<>()).add(c);
      }
    }
    return byId;
  }
}
