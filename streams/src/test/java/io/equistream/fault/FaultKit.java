package io.equistream.fault;

import io.equistream.TestAssets;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Shared plumbing of the fault tests: model choice, topics, producing, read_committed reading, service processes. */
final class FaultKit {
  /** Where process logs and state directories go (the tests run from the repository root). */
  static final Path WORK = Path.of("streams/target/fault");
  static final Path JAR = Path.of("streams/target/equistream.jar");

  private FaultKit() {
  }

  /**
   * The model the fault tests run: -Dequistream.fault.model, else the random test fixture. These
   * tests are about delivery, not text quality, and the random model rarely ends a completion early
   * (the trained one often says EOS after a dozen tokens), so requests really generate 16 tokens.
   */
  static Path model() {
    String override = System.getProperty("equistream.fault.model");
    return override != null ? Path.of(override) : TestAssets.RANDOM_MODEL;
  }

  /** New tokens every fault-test request asks for: real generation, many engine steps per request. */
  static final int NEW_TOKENS = 16;

  /** A fresh directory for one test's logs and state (a previous run's is removed). */
  static Path dir(String name) throws IOException {
    Path dir = WORK.resolve(name);
    if (Files.exists(dir)) {
      try (var paths = Files.walk(dir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    Files.createDirectories(dir);
    return dir;
  }

  /** Settings every service instance of one test shares (topics suffixed, 16 new tokens per request). */
  static Map<String, String> serviceSettings(String bootstrap, String app, String suffix) {
    Map<String, String> s = new java.util.LinkedHashMap<>();
    s.put("bootstrap.servers", bootstrap);
    s.put("application.id", app);
    s.put("commit.interval.ms", "100");
    s.put("equistream.model.dir", model().toString());
    s.put("equistream.threads", "1");
    s.put("equistream.http.port", "-1");
    s.put("equistream.default.max.new.tokens", String.valueOf(NEW_TOKENS));
    for (String topic : List.of("prompts", "completions", "audit", "audit-summary", "dlq", "chunks")) {
      s.put("equistream.topic." + topic, topic + "-" + suffix);
    }
    return s;
  }

  static void createTopics(String bootstrap, String suffix, int partitions, short replication, Map<String, String> configs)
      throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      List<NewTopic> topics = new ArrayList<>();
      for (String topic : List.of("prompts", "completions", "audit", "audit-summary", "dlq", "chunks")) {
        topics.add(new NewTopic(topic + "-" + suffix, partitions, replication).configs(configs));
      }
      admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
    }
  }

  static PromptRequest prompt(String id, int i) {
    String[] subjects = {"The man", "The woman", "He", "She"};
    // Contexts the tiny model continues for 16 tokens without <|endoftext|> (fault tests need real lengths).
    String[] contexts = {" said that", " was a person who", " thought that the", " was the one who"};
    return PromptRequest.newBuilder().setRequestId(id).setConversationId("")
        .setPrompt(subjects[i % 4] + contexts[(i / 4) % 4]).setGroups(List.of("gender"))
        .setCreatedAt(Instant.now()).build();
  }

  static KafkaProducer<String, PromptRequest> promptProducer(String bootstrap) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrap);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    // Fail fast (producePrompts resends with a fresh producer): just after a broker restart an
    // idempotent producer can meet sequence errors it would otherwise retry until the timeout.
    props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 40_000);
    return new KafkaProducer<>(props, new StringSerializer(), AvroSerde.of(PromptRequest.class).serializer());
  }

  /**
   * Produces prompts [from, to) and checks every send: a record the cluster refused (e.g. an
   * idempotent producer's sequence error just after a broker restart) is sent again with a fresh
   * producer, so the test's input is complete before the service is judged on it.
   */
  static void producePrompts(String bootstrap, String topic, String prefix, int from, int to) throws Exception {
    producePrompts(bootstrap, topic, prefix, from, to, false);
  }

  /** Like {@link #producePrompts(String, String, String, int, int)}; {@code stream}: the requests ask for chunks. */
  static void producePrompts(String bootstrap, String topic, String prefix, int from, int to, boolean stream)
      throws Exception {
    List<Integer> pending = new java.util.ArrayList<>();
    for (int i = from; i < to; i++) {
      pending.add(i);
    }
    for (int attempt = 1; !pending.isEmpty(); attempt++) {
      if (attempt > 5) {
        throw new IllegalStateException(pending.size() + " prompts could not be produced to " + topic);
      }
      Map<Integer, java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent =
          new java.util.LinkedHashMap<>();
      try (KafkaProducer<String, PromptRequest> producer = promptProducer(bootstrap)) {
        for (int i : pending) {
          String id = prefix + i;
          PromptRequest request = prompt(id, i);
          request.setStream(stream);
          sent.put(i, producer.send(new ProducerRecord<>(topic, id, request)));
        }
        producer.flush();
      }
      List<Integer> failed = new java.util.ArrayList<>();
      for (Map.Entry<Integer, java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> entry
          : sent.entrySet()) {
        try {
          entry.getValue().get();
        } catch (java.util.concurrent.ExecutionException e) {
          failed.add(entry.getKey());
        }
      }
      if (!failed.isEmpty()) {
        System.out.printf("[fault] %d of %d prompts refused by the cluster (attempt %d); sending them again%n",
            failed.size(), pending.size(), attempt);
      }
      pending = failed;
    }
  }

  /** A read_committed consumer over every partition of a topic, from the beginning. */
  static <V> KafkaConsumer<String, V> committedReader(String bootstrap, String topic, Deserializer<V> values) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * 1024 * 1024);
    KafkaConsumer<String, V> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values);
    List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
        .map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    return consumer;
  }

  /**
   * Every committed record of a topic: reads until {@code expected} records arrived, then keeps
   * reading for {@code quiet} more so that a duplicate would be seen too.
   */
  static <V> List<ConsumerRecord<String, V>> readAll(String bootstrap, String topic, Deserializer<V> values,
      int expected, Duration timeout, Duration quiet) {
    List<ConsumerRecord<String, V>> out = new ArrayList<>();
    try (KafkaConsumer<String, V> consumer = committedReader(bootstrap, topic, values)) {
      long deadline = System.nanoTime() + timeout.toNanos();
      long quietUntil = Long.MAX_VALUE;
      while (System.nanoTime() < Math.min(deadline, quietUntil)) {
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
        if (out.size() >= expected && quietUntil == Long.MAX_VALUE) {
          quietUntil = System.nanoTime() + quiet.toNanos();
        }
      }
    }
    return out;
  }

  /** The request ids prefix0 .. prefix(n-1). */
  static Set<String> ids(String prefix, int n) {
    Set<String> ids = new java.util.HashSet<>();
    for (int i = 0; i < n; i++) {
      ids.add(prefix + i);
    }
    return ids;
  }

  /**
   * Answers that are not real generations: not OK, or shorter than {@link #NEW_TOKENS} without the
   * model (eos) or the request's stop string having ended them. Empty when every answer is a full,
   * OK generation.
   */
  static String notFullAnswers(List<ConsumerRecord<String, FairCompletion>> completions) {
    StringBuilder problems = new StringBuilder();
    int bad = 0;
    for (ConsumerRecord<String, FairCompletion> record : completions) {
      FairCompletion c = record.value();
      boolean full = c.getCompletionTokens() == NEW_TOKENS || "eos".equals(c.getFinishReason())
          || "stop".equals(c.getFinishReason());
      if (c.getStatus() != io.equistream.schemas.CompletionStatus.OK || !full) {
        if (bad++ < 5) {
          problems.append(String.format("%s: %s %s, %d tokens, finish %s; ", c.getRequestId(), c.getStatus(),
              c.getReason(), c.getCompletionTokens(), c.getFinishReason()));
        }
      }
    }
    return bad == 0 ? "" : bad + " of " + completions.size() + " answers are not full OK generations: " + problems;
  }

  /** Exactly-once check of completions and audits: one record per expected id, none else. */
  static String exactlyOnceReport(List<ConsumerRecord<String, FairCompletion>> completions,
      List<ConsumerRecord<String, FairnessAudit>> audits, Set<String> expectedIds) {
    StringBuilder problems = new StringBuilder();
    check("completions", completions.stream().map(r -> r.value().getRequestId()).toList(), expectedIds, problems);
    check("audits", audits.stream().map(r -> r.value().getRequestId()).toList(), expectedIds, problems);
    return problems.toString();
  }

  private static void check(String what, List<String> ids, Set<String> expected, StringBuilder problems) {
    Map<String, Integer> counts = new HashMap<>();
    ids.forEach(id -> counts.merge(id, 1, Integer::sum));
    long lost = expected.stream().filter(id -> !counts.containsKey(id)).count();
    long duplicated = counts.values().stream().filter(c -> c > 1).mapToLong(c -> c - 1).sum();
    long unexpected = counts.keySet().stream().filter(id -> !expected.contains(id)).count();
    System.out.printf("[fault] %s: %d records, %d distinct ids, %d lost, %d duplicated, %d unexpected%n", what,
        ids.size(), counts.size(), lost, duplicated, unexpected);
    if (lost > 0 || duplicated > 0 || unexpected > 0 || ids.size() != expected.size()) {
      problems.append(String.format("%s: %d records for %d ids: %d lost, %d duplicated, %d unexpected; ", what,
          ids.size(), expected.size(), lost, duplicated, unexpected));
    }
  }

  static void forEachLine(Path file, Consumer<String> action) throws IOException {
    if (Files.exists(file)) {
      Files.readAllLines(file).forEach(action);
    }
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log " + file + ")";
    }
  }

  static File file(Path path) {
    return path.toFile();
  }
}
