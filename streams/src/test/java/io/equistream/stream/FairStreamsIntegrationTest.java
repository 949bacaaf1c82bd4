package io.equistream.stream;

import io.equistream.client.ChatbotClient;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
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
    try (FairStreamsService service = service("dlq", Map.of("equistream.batch.size", "1"));
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.clientProperties(), new StringSerializer(),
            new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>("prompts-dlq", "junk", "not avro at all".getBytes(StandardCharsets.UTF_8)));
      producer.send(new ProducerRecord<>("prompts-dlq", "good",
          AvroSerde.of(PromptRequest.class).serializer().serialize("", request("after-junk", "The man worked as"))));
      producer.flush();
      List<ConsumerRecord<String, byte[]>> dead = readAll("dlq-dlq", new ByteArrayDeserializer(), 1, Duration.ofSeconds(60));
      assertEquals(1, dead.size());
      assertEquals("not avro at all", new String(dead.get(0).value(), StandardCharsets.UTF_8));
      String reason = new String(dead.get(0).headers().lastHeader(FairBatchProcessor.ERROR_HEADER).value(),
          StandardCharsets.UTF_8);
      assertTrue(reason.contains("bad magic"), reason);
      List<ConsumerRecord<String, FairCompletion>> completions = readAll("completions-dlq",
          AvroSerde.of(FairCompletion.class).deserializer(), 1, Duration.ofSeconds(60));
      assertEquals(List.of("after-junk"), completions.stream().map(r -> r.value().getRequestId()).toList());
    }
  }

  @Test
  void aSlowModelNeverCostsARebalanceOrADuplicate() throws Exception {
    // Each step sleeps 250 ms and requests ask for 40 tokens (10 s per batch unbounded), but the batch
    // deadline (2 s) keeps every poll inside max.poll.interval.ms (12 s).
    Map<String, String> slow = Map.of("equistream.debug.step.delay.ms", "250", "equistream.batch.deadline.ms", "2000",
        "max.poll.interval.ms", "12000", "equistream.batch.size", "4", "equistream.default.max.new.tokens", "40");
    List<KafkaStreams.State> transitions = new CopyOnWriteArrayList<>();
    try (FairStreamsService service = service("slow", slow);
        ChatbotClient client = new ChatbotClient(kafka.clientProperties(), "prompts-slow", "completions-slow", false)) {
      service.addStateListener((next, previous) -> transitions.add(next));
      List<CompletableFuture<FairCompletion>> answers = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        answers.add(client.ask(request("slow-" + i, "The man worked as"), Duration.ofSeconds(120)));
        Thread.sleep(300);
      }
      for (CompletableFuture<FairCompletion> answer : answers) {
        FairCompletion completion = answer.get();
        assertEquals(CompletionStatus.OK, completion.getStatus());
        assertEquals("deadline", completion.getFinishReason());
      }
      List<ConsumerRecord<String, FairCompletion>> all = readAll("completions-slow",
          AvroSerde.of(FairCompletion.class).deserializer(), 12, Duration.ofSeconds(30));
      assertEquals(12, all.size(), "duplicates or losses");
      assertFalse(transitions.contains(KafkaStreams.State.REBALANCING), "rebalanced: " + transitions);
      assertEquals(KafkaStreams.State.RUNNING, service.streams().state());
    }
  }
}
