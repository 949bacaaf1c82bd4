package io.equistream.cli;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.serde.AvroSerde;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** What the demo reads back from the service's output topics (committed records, from the start). */
final class DemoTopics {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final Map<String, Object> clientProperties;

  DemoTopics(Map<String, Object> clientProperties) {
    this.clientProperties = clientProperties;
  }

  /** Audits by request id, until every id of {@code expected} is in (or 30 s pass). */
  Map<String, FairnessAudit> audits(String topic, Set<String> expected) {
    Map<String, FairnessAudit> audits = new HashMap<>();
    read(topic, AvroSerde.of(FairnessAudit.class).deserializer(), audit -> audits.put(audit.getRequestId(), audit),
        () -> audits.keySet().containsAll(expected));
    return audits;
  }

  /** The latest summary per method+groups+window, until both methods counted {@code expectedPerMethod} audits. */
  Map<String, AuditSummary> summaries(String topic, long expectedPerMethod) {
    Map<String, AuditSummary> latest = new LinkedHashMap<>();
    read(topic, AvroSerde.of(AuditSummary.class).deserializer(),
        summary -> latest.put(summary.getMethod() + "|" + summary.getGroups() + "@" + summary.getWindowStart(), summary),
        () -> countsPerMethod(latest).size() >= 2
            && countsPerMethod(latest).values().stream().allMatch(c -> c >= expectedPerMethod));
    return latest;
  }

  private static Map<String, Long> countsPerMethod(Map<String, AuditSummary> summaries) {
    Map<String, Long> counts = new HashMap<>();
    summaries.values().forEach(s -> counts.merge(s.getMethod(), s.getCount(), Long::sum));
    return counts;
  }

  private <T> void read(String topic, Deserializer<T> values, Consumer<T> sink, BooleanSupplier done) {
    Map<String, Object> props = new HashMap<>(clientProperties);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(props, new StringDeserializer(), values)) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, WAIT).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long deadline = System.currentTimeMillis() + WAIT.toMillis();
      while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, T> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.value() != null) {
            sink.accept(record.value());
          }
        }
      }
    }
  }
}
