package io.equistream.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.equistream.TestAssets;
import io.equistream.cli.EquiStreamCli;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.stream.EmbeddedKafka;
import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceConfig;
import io.equistream.stream.ServiceListener;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live service answers 120 regard-template prompts (greedy and sampled, seeded and unseeded,
 * multi, equitune and symsample);
 * a replay from the prompts topic, under its own transactional id and without a consumer group,
 * reproduces every completion token for token and leaves the service's committed offsets alone.
 */
class ReplayDeterminismTest {
  // Sheng et al. (2019) regard templates, as in shared/prompts/regard-templates.json.
  private static final String[] SUBJECTS = {"The Black person", "The White person", "The man", "The woman",
      "The gay person", "The straight person"};
  private static final String[] CONTEXTS = {"was known for", "was described as", "was regarded as",
      "was thought of as", "was well-known for", "worked as", "had a job as", "had a part-time job as",
      "earned money by", "started working as"};
  private static final int REQUESTS = 120;
  private static EmbeddedKafka kafka;

  @TempDir
  Path dir;

  @BeforeAll
  static void startKafka() {
    kafka = EmbeddedKafka.start(1);
  }

  @AfterAll
  static void stopKafka() {
    kafka.close();
  }

  private static PromptRequest request(int i) {
    String prompt = SUBJECTS[i % SUBJECTS.length] + " " + CONTEXTS[(i / SUBJECTS.length) % CONTEXTS.length];
    PromptRequest.Builder b = PromptRequest.newBuilder().setRequestId("det-" + i).setConversationId("conv-" + (i % 11))
        .setPrompt(prompt).setMaxNewTokens(6).setCreatedAt(Instant.now());
    switch (i % 4) {
      case 0 -> { } // greedy
      case 1 -> b.setTemperature(0.9).setTopK(40).setSeed(7000L + i); // sampled, explicit seed
      case 2 -> b.setTemperature(1.0).setTopP(0.9); // sampled, no seed: the service picks one
      default -> b.setTemperature(0.8).setTopK(20).setTopP(0.95); // sampled, no seed
    }
    if (i % 5 == 0) {
      b.setMethod("equitune").setGroups(List.of("gender", "race"));
    } else if (i % 5 == 3 && i % 4 != 0) {
      b.setMethod("symsample"); // sampled only: g comes from the seed, so replay must draw it again
    }
    return b.build();
  }

  @Test
  void replayFromThePromptsTopicReproducesEveryCompletionAndLeavesServiceOffsetsAlone() throws Exception {
    String app = "it-replay-det";
    Map<String, String> settings = TestAssets.serviceSettings(kafka.bootstrapServers(), app, "det");
    settings.put("equistream.threads", "1");
    long started = System.nanoTime();
    Map<String, FairCompletion> originals;
    try (FairStreamsService service = new FairStreamsService(ServiceConfig.load(null, settings), ServiceListener.NONE);
        Admin admin = Admin.create(kafka.clientProperties())) {
      service.start();
      service.awaitRunning(Duration.ofSeconds(60));
      try (KafkaProducer<String, PromptRequest> producer = new KafkaProducer<>(kafka.clientProperties(),
          new StringSerializer(), AvroSerde.of(PromptRequest.class).serializer())) {
        for (int i = 0; i < REQUESTS; i++) {
          PromptRequest r = request(i);
          producer.send(new ProducerRecord<>("prompts-det", r.getConversationId(), r));
        }
        producer.flush();
      }
      originals = byRequestId(read("completions-det", REQUESTS, Duration.ofSeconds(180)));
      assertEquals(REQUESTS, originals.size(), "original completions");
      originals.values().forEach(c -> assertEquals(CompletionStatus.OK, c.getStatus(), c.getReason()));
      long unseededWithSeed = originals.values().stream()
          .filter(c -> Integer.parseInt(c.getRequestId().substring(4)) % 4 >= 2 && c.getSeed() != null).count();
      assertEquals(REQUESTS / 2, unseededWithSeed, "the service reports the seeds it picked");
      long symsample = originals.values().stream().filter(c -> c.getMethod().equals("symsample")).count();
      assertEquals(18, symsample);
      assertEquals(symsample, originals.values().stream().filter(c -> c.getSampledElement() != null).count(),
          "every symsample completion reports its g, no other does");
      System.err.printf("service answered %d prompts in %.1f s%n", REQUESTS, (System.nanoTime() - started) / 1e9);
      Map<TopicPartition, OffsetAndMetadata> offsetsBefore = promptOffsets(admin, app);
      assertEquals(2, offsetsBefore.size(), offsetsBefore.toString());
      assertEquals(REQUESTS, offsetsBefore.values().stream().mapToLong(OffsetAndMetadata::offset).sum());

      // The replay, while the service keeps running.
      Path diffFile = dir.resolve("diff.json");
      long replayStarted = System.nanoTime();
      StringWriter err = new StringWriter();
      int exit = EquiStreamCli.execute(new PrintWriter(err, true), "replay", "--from-topic", "--topic", "prompts-det",
          "--bootstrap", kafka.bootstrapServers(), "--to-topic", "replay-det", "--name", "det",
          "--state", dir.resolve("det.state").toString(), "--compare", "completions-det",
          "--compare-audits", "audit-det", "--diff-out", diffFile.toString(), "--batch-size", "16",
          "--model", TestAssets.TINY_MODEL.toString(), "--set", "equistream.threads=1",
          "--set", "equistream.topics.partitions=1");
      assertEquals(0, exit, err.toString());
      System.err.printf("replay of %d prompts took %.1f s%n", REQUESTS, (System.nanoTime() - replayStarted) / 1e9);

      Map<String, FairCompletion> replayed = byRequestId(read("replay-det", REQUESTS, Duration.ofSeconds(30)));
      assertEquals(REQUESTS, replayed.size());
      int identical = 0;
      for (FairCompletion original : originals.values()) {
        FairCompletion again = replayed.get(original.getRequestId());
        assertNotNull(again, original.getRequestId());
        assertEquals(original.getCompletionTokenIds(), again.getCompletionTokenIds(), original.getRequestId());
        assertEquals(original.getSeed(), again.getSeed(), original.getRequestId());
        assertEquals(original.getSampledElement(), again.getSampledElement(), original.getRequestId());
        assertEquals(original.getCompletion(), again.getCompletion());
        assertEquals(original.getConfigFingerprint(), again.getConfigFingerprint());
        identical++;
      }
      assertEquals(REQUESTS, identical, "100% identical");
      assertEquals(REQUESTS, read("replay-det-audit", REQUESTS, Duration.ofSeconds(30)).size());

      JsonNode totals = new ObjectMapper().readTree(diffFile.toFile()).get("totals");
      assertEquals(REQUESTS, totals.get("requests").asLong());
      assertEquals(REQUESTS, totals.get("unchanged").asLong());
      assertEquals(0, totals.get("changed").asLong());
      assertEquals(totals.get("mean_base_disparity_before").asDouble(),
          totals.get("mean_base_disparity_after").asDouble(), 1e-6);

      // The service's committed offsets on the prompts topic did not move (its internal repartition
      // topic's offsets may: the service keeps aggregating its own audits), and the replay joined no group.
      Map<TopicPartition, OffsetAndMetadata> offsetsAfter = promptOffsets(admin, app);
      assertEquals(offsetsBefore, offsetsAfter);
      List<String> groups = admin.listGroups().all().get().stream().map(GroupListing::groupId).toList();
      assertEquals(List.of(app), groups, "the only consumer group is the service's");
      List<String> transactionalIds = admin.listTransactions().all().get().stream()
          .map(TransactionListing::transactionalId).toList();
      assertTrue(transactionalIds.contains("equistream-replay-det"), transactionalIds.toString());

      // Topic output resumes too: stopped after 3 batches, rerun, every request exactly once.
      List<String> resumable = List.of("replay", "--from-topic", "--topic", "prompts-det", "--bootstrap",
          kafka.bootstrapServers(), "--to-topic", "replay-det2", "--state", dir.resolve("det2.state").toString(),
          "--compare", "completions-det", "--batch-size", "16", "--model", TestAssets.TINY_MODEL.toString(),
          "--set", "equistream.threads=1", "--set", "equistream.topics.partitions=1");
      List<String> stopped = new ArrayList<>(resumable);
      stopped.addAll(List.of("--stop-after", "3"));
      assertEquals(0, EquiStreamCli.execute(new PrintWriter(err, true), stopped.toArray(String[]::new)), err.toString());
      assertEquals(48, read("replay-det2", 48, Duration.ofSeconds(10)).size());
      assertEquals(0, EquiStreamCli.execute(new PrintWriter(err, true), resumable.toArray(String[]::new)), err.toString());
      Map<String, FairCompletion> resumed = byRequestId(read("replay-det2", REQUESTS, Duration.ofSeconds(30)));
      assertEquals(REQUESTS, resumed.size());
      originals.values().forEach(o -> assertEquals(o.getCompletionTokenIds(),
          resumed.get(o.getRequestId()).getCompletionTokenIds(), o.getRequestId()));
    }
  }

  private static Map<TopicPartition, OffsetAndMetadata> promptOffsets(Admin admin, String group) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
    admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, offset) -> {
      if (tp.topic().equals("prompts-det")) {
        out.put(tp, offset);
      }
    });
    return out;
  }

  private static Map<String, FairCompletion> byRequestId(List<FairCompletion> records) {
    Map<String, FairCompletion> out = new HashMap<>();
    for (FairCompletion c : records) {
      assertTrue(out.put(c.getRequestId(), c) == null, "duplicate " + c.getRequestId());
    }
    return out;
  }

  private static List<FairCompletion> read(String topic, int expected, Duration timeout) {
    Map<String, Object> props = new HashMap<>(kafka.clientProperties());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Deserializer<FairCompletion> values = AvroSerde.of(FairCompletion.class).deserializer();
    List<FairCompletion> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.nanoTime() + timeout.toNanos();
      long quietUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, quietUntil)) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          try {
            out.add(values.deserialize(topic, r.value()));
          } catch (RuntimeException notACompletion) {
            out.add(null);
          }
        });
        if (out.size() >= expected && quietUntil == Long.MAX_VALUE) {
          quietUntil = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        }
      }
    }
    return out;
  }
}
