package io.equistream.stream;

import io.equistream.client.ChatbotClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.bench.Workload;
import io.equistream.cli.EquiStreamCli;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The service against a real in-JVM KRaft broker, exactly-once, with the real tiny model. */
class FairStreamsIntegrationTest {
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.start(1);
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  /** A service with its own application id and topics (suffix), topics created. */
  private static FairStreamsService service(String suffix, Map<String, String> extra) throws Exception {
    Map<String, String> settings = TestAssets.serviceSettings(kafka.bootstrapServers(), "it-" + suffix, suffix);
    settings.put("equistream.default.max.new.tokens", "6");
    settings.putAll(extra);
    FairStreamsService service = new FairStreamsService(ServiceConfig.load(null, settings), ServiceListener.NONE);
    service.start();
    service.awaitRunning(Duration.ofSeconds(60));
    return service;
  }

  private static <V> List<ConsumerRecord<String, V>> readAll(String topic, Deserializer<V> values, int expected,
      Duration timeout) {
    Map<String, Object> props = new HashMap<>(kafka.clientProperties());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<String, V>> out = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      // Read until the expected count, then a little longer to catch any duplicate.
      long quietUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, quietUntil)) {
        for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
          out.add(record);
        }
        if (out.size() >= expected && quietUntil == Long.MAX_VALUE) {
          quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        }
      }
    }
    return out;
  }

  private static PromptRequest request(String id, String prompt) {
    return PromptRequest.newBuilder().setRequestId(id).setConversationId("c-" + (id.hashCode() % 7)).setPrompt(prompt)
        .setCreatedAt(Instant.now()).build();
  }

  @Test
  void fiftyPromptsGiveExactlyFiftyCompletionsAndAudits() throws Exception {
    String[] subjects = {"The man", "The woman", "The Black person", "The gay person", "The Muslim woman"};
    String[] contexts = {"worked as", "was known for", "was described as", "had a job as", "earned money by",
        "was regarded as", "started working as", "was thought of as", "had a part-time job as", "was well-known for"};
    try (FairStreamsService service = service("fifty", Map.of());
        KafkaProducer<String, PromptRequest> producer = new KafkaProducer<>(kafka.clientProperties(),
            new StringSerializer(), AvroSerde.of(PromptRequest.class).serializer())) {
      for (int i = 0; i < 50; i++) {
        PromptRequest request = request("p" + i, subjects[i % 5] + " " + contexts[i / 5]);
        producer.send(new ProducerRecord<>("prompts-fifty", request.getConversationId(), request));
      }
      producer.flush();
      List<ConsumerRecord<String, FairCompletion>> completions = readAll("completions-fifty",
          AvroSerde.of(FairCompletion.class).deserializer(), 50, Duration.ofSeconds(120));
      List<ConsumerRecord<String, FairnessAudit>> audits = readAll("audit-fifty",
          AvroSerde.of(FairnessAudit.class).deserializer(), 50, Duration.ofSeconds(30));
      assertEquals(50, completions.size(), "completions");
      assertEquals(50, audits.size(), "audits");
      Set<String> ids = new HashSet<>();
      completions.forEach(r -> ids.add(r.value().getRequestId()));
      assertEquals(50, ids.size(), "duplicate completions");
      completions.forEach(r -> assertEquals(CompletionStatus.OK, r.value().getStatus(), r.value().getReason()));
      Set<String> auditIds = new HashSet<>();
      audits.forEach(r -> auditIds.add(r.value().getRequestId()));
      assertEquals(ids, auditIds);
      assertEquals(KafkaStreams.State.RUNNING, service.streams().state());
    }
  }

  @Test
  void askRoundTripsThroughTheClientAndTheCli() throws Exception {
    try (FairStreamsService service = service("ask", Map.of());
        ChatbotClient client = new ChatbotClient(kafka.clientProperties(), "prompts-ask", "completions-ask", false)) {
      FairCompletion answer = client.ask(request("ask-1", "The woman worked as a"), Duration.ofSeconds(60)).get();
      assertEquals("ask-1", answer.getRequestId());
      assertEquals(CompletionStatus.OK, answer.getStatus());
      FairCompletion rejected = client.ask(request("ask-2", ""), Duration.ofSeconds(60)).get();
      assertEquals(CompletionStatus.REJECTED, rejected.getStatus());

      ByteArrayOutputStream stdout = new ByteArrayOutputStream();
      PrintStream original = System.out;
      int exit;
      try {
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        exit = EquiStreamCli.execute(new PrintWriter(System.err, true), "ask", "--bootstrap", kafka.bootstrapServers(),
            "--set", "equistream.topic.prompts=prompts-ask", "--set", "equistream.topic.completions=completions-ask",
            "--prompt", "The man was known for", "--json");
      } finally {
        System.setOut(original);
      }
      assertEquals(0, exit);
      String json = stdout.toString(StandardCharsets.UTF_8);
      assertTrue(json.contains("\"status\":\"OK\"") && json.contains("\"method\":\"multi\""), json);
    }
  }

  @Test
  void undeserializableBytesGoToTheDeadLetterTopicAndServiceGoesOn() throws Exception {
    try (FairStreamsService service = service("dlq", Map.of());
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.clientProperties(), new StringSerializer(),
            new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>("prompts-dlq", "junk", "not avro at all".getBytes(StandardCharsets.UTF_8)));
      producer.send(new ProducerRecord<>("prompts-dlq", "good",
          AvroSerde.of(PromptRequest.class).serializer().serialize("", request("after-junk", "The man worked as"))));
      producer.flush();
      List<ConsumerRecord<String, byte[]>> dead = readAll("dlq-dlq", new ByteArrayDeserializer(), 1, Duration.ofSeconds(60));
      assertEquals(1, dead.size());
      assertEquals("not avro at all", new String(dead.get(0).value(), StandardCharsets.UTF_8));
      String reason = new String(dead.get(0).headers().lastHeader(FairAnswerProcessor.ERROR_HEADER).value(),
          StandardCharsets.UTF_8);
      assertTrue(reason.contains("bad magic"), reason);
      List<ConsumerRecord<String, FairCompletion>> completions = readAll("completions-dlq",
          AvroSerde.of(FairCompletion.class).deserializer(), 1, Duration.ofSeconds(60));
      assertEquals(List.of("after-junk"), completions.stream().map(r -> r.value().getRequestId()).toList());
    }
  }

  @Test
  void aShortRequestIsAnsweredWhileALongOneGenerates() throws Exception {
    // 250 ms per engine iteration: 60 tokens take >= 15 s; the 1-token request comes 3 s later.
    // The random test model: it does not stop early (EOS) the way the trained model often does.
    Map<String, String> slow = Map.of("equistream.debug.step.delay.ms", "250", "equistream.limit.max.new.tokens", "60",
        "equistream.model.dir", TestAssets.RANDOM_MODEL.toString());
    try (FairStreamsService service = service("hol", slow);
        ChatbotClient client = new ChatbotClient(kafka.clientProperties(), "prompts-hol", "completions-hol", false)) {
      CompletableFuture<FairCompletion> longOne = client.ask(PromptRequest.newBuilder(request("long", "The man worked as"))
          .setMaxNewTokens(60).build(), Duration.ofSeconds(120));
      Thread.sleep(3000);
      FairCompletion shortOne = client.ask(PromptRequest.newBuilder(request("short", "The woman was known for"))
          .setMaxNewTokens(1).build(), Duration.ofSeconds(120)).get();
      assertEquals(CompletionStatus.OK, shortOne.getStatus(), shortOne.getReason());
      assertFalse(longOne.isDone(), "the long request finished before the short one was answered");
      FairCompletion longAnswer = longOne.get();
      assertEquals(CompletionStatus.OK, longAnswer.getStatus(), longAnswer.getReason());
      assertTrue(longAnswer.getCompletionTokens() >= 16 || "eos".equals(longAnswer.getFinishReason()),
          "long request: " + longAnswer.getCompletionTokens() + " tokens, " + longAnswer.getFinishReason());
      List<ConsumerRecord<String, FairCompletion>> all = readAll("completions-hol",
          AvroSerde.of(FairCompletion.class).deserializer(), 2, Duration.ofSeconds(30));
      assertEquals(2, all.size(), "each answered once");
      Map<String, Long> answeredAt = new HashMap<>();
      all.forEach(r -> answeredAt.put(r.value().getRequestId(), r.timestamp()));
      assertTrue(answeredAt.get("short") < answeredAt.get("long"), "answer times: " + answeredAt);
    }
  }

  @Test
  void sixteenChatSizedPromptsSentTogetherAreEachAnsweredOnce() throws Exception {
    int tokensEach = 0;
    List<PromptRequest> requests = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String prompt = Workload.prompt(TestAssets.tokenizer(), 230, i % 3); // words of every group near the end
      tokensEach = Math.max(tokensEach, TestAssets.tokenizer().encode(prompt).length);
      requests.add(PromptRequest.newBuilder(request("chat-" + i, prompt)).setMaxNewTokens(16).build());
    }
    assertTrue(tokensEach >= 200, "prompts of " + tokensEach + " tokens");
    try (FairStreamsService service = service("chat", Map.of());
        KafkaProducer<String, PromptRequest> producer = new KafkaProducer<>(kafka.clientProperties(),
            new StringSerializer(), AvroSerde.of(PromptRequest.class).serializer())) {
      for (PromptRequest request : requests) {
        producer.send(new ProducerRecord<>("prompts-chat", request.getConversationId(), request));
      }
      producer.flush();
      List<ConsumerRecord<String, FairCompletion>> completions = readAll("completions-chat",
          AvroSerde.of(FairCompletion.class).deserializer(), 16, Duration.ofSeconds(240));
      assertEquals(16, completions.size(), "completions (lost or duplicated)");
      assertEquals(16, completions.stream().map(r -> r.value().getRequestId()).distinct().count());
      for (ConsumerRecord<String, FairCompletion> record : completions) {
        FairCompletion completion = record.value();
        assertEquals(CompletionStatus.OK, completion.getStatus(), completion.getReason());
        assertTrue(completion.getCompletionTokens() == 16 || "eos".equals(completion.getFinishReason()),
            completion.getCompletionTokens() + " tokens, " + completion.getFinishReason());
      }
      assertEquals(KafkaStreams.State.RUNNING, service.streams().state());
    }
  }

  /** A thread-level count Kafka Streams keeps: commit-total (one exactly-once transaction each), punctuate-total. */
  private static double threadTotal(FairStreamsService service, String name) {
    return service.streams().metrics().values().stream()
        .filter(m -> m.metricName().name().equals(name) && m.metricName().group().equals("stream-thread-metrics"))
        .mapToDouble(m -> ((Number) m.metricValue()).doubleValue()).sum();
  }

  @Test
  void anIdleServiceCommitsNoTransactions() throws Exception {
    // 16 tokens at >= 100 ms a step: the answer takes over 1.6 s, 16 commit intervals.
    try (FairStreamsService service = service("idle", Map.of("equistream.debug.step.delay.ms", "100"));
        ChatbotClient client = new ChatbotClient(kafka.clientProperties(), "prompts-idle", "completions-idle", false)) {
      PromptRequest request = PromptRequest.newBuilder(request("idle-1", "The woman said that")).setMaxNewTokens(16)
          .build();
      double before = threadTotal(service, "commit-total");
      FairCompletion answer = client.ask(request, Duration.ofSeconds(60)).get();
      assertEquals(CompletionStatus.OK, answer.getStatus());
      assertEquals(16, answer.getCompletionTokens());
      double whileGenerating = threadTotal(service, "commit-total") - before;
      // While a request is in the engine the hand-off punctuator runs and the task commits.
      assertTrue(whileGenerating >= 5, "commits while generating: " + whileGenerating);
      // The audit summary's own tasks still commit a few times after the answer: wait until quiet.
      double settled = threadTotal(service, "commit-total");
      for (int i = 0; i < 40; i++) {
        Thread.sleep(250);
        double now = threadTotal(service, "commit-total");
        if (now == settled) {
          break;
        }
        settled = now;
      }
      double punctuations = threadTotal(service, "punctuate-total");
      Thread.sleep(2000);
      double idleCommits = threadTotal(service, "commit-total") - settled;
      double idlePunctuations = threadTotal(service, "punctuate-total") - punctuations;
      // Before the punctuator was cancelled when idle: ~200 punctuations and ~20 transactions in these 2 s.
      assertEquals(0, idlePunctuations, "punctuations while idle");
      assertTrue(idleCommits <= 1, "commits while idle: " + idleCommits);
      // Busy again: the punctuator is scheduled anew and the next request is answered.
      FairCompletion again = client.ask(PromptRequest.newBuilder(request).setRequestId("idle-2").build(),
          Duration.ofSeconds(60)).get();
      assertEquals(CompletionStatus.OK, again.getStatus());
      assertEquals(16, again.getCompletionTokens());
      assertEquals(KafkaStreams.State.RUNNING, service.streams().state());
    }
  }
}
