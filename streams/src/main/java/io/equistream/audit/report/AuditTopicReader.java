package io.equistream.audit.report;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.serde.AvroSerde;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads a topic from the beginning up to the end offsets seen at start (committed records only),
 * without joining a consumer group (partitions are assigned, nothing is committed). Records that
 * do not deserialize are counted and skipped.
 */
final class AuditTopicReader {
  static final Duration METADATA_TIMEOUT = Duration.ofSeconds(30);
  static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);
  private static final long PROGRESS_MILLIS = 2000;

  private final String bootstrap;
  private final PrintStream progress;

  AuditTopicReader(String bootstrap, PrintStream progress) {
    this.bootstrap = bootstrap;
    this.progress = progress;
  }

  /** Reads the audit topic; a missing topic or unreachable broker is an error. */
  void readAudits(String topic, AuditInput into) {
    read(topic, AvroSerde.of(FairnessAudit.class).deserializer(), into.audits::add, into, true);
  }

  /** Reads the summary topic; a missing topic is noted, not an error. */
  void readSummaries(String topic, AuditInput into) {
    read(topic, AvroSerde.of(AuditSummary.class).deserializer(), into.summaries::add, into, false);
  }

  private <T> void read(String topic, Deserializer<T> values, Consumer<T> sink, AuditInput into, boolean required) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties())) {
      List<TopicPartition> partitions = partitions(consumer, topic);
      if (partitions.isEmpty()) {
        if (required) {
          throw new IllegalArgumentException("topic '" + topic + "' does not exist on " + bootstrap);
        }
        into.sources.add(topic + ": topic not found, no summaries");
        progress.println(into.sources.get(into.sources.size() - 1));
        return;
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, METADATA_TIMEOUT);
      long read = 0;
      long undeserializable = 0;
      long tombstones = 0;
      long lastProgress = System.currentTimeMillis();
      long lastAdvance = lastProgress;
      while (!reachedEnd(consumer, end)) {
        int polled = 0;
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          polled++;
          if (record.value() == null) {
            tombstones++;
            continue;
          }
          try {
            sink.accept(values.deserialize(topic, record.value()));
            read++;
          } catch (SerializationException e) {
            if (undeserializable++ == 0) {
              progress.println(topic + ": skipping undeserializable record at partition " + record.partition()
                  + " offset " + record.offset() + ": " + e.getMessage());
            }
          }
        }
        long now = System.currentTimeMillis();
        if (polled > 0) {
          lastAdvance = now;
        } else if (now - lastAdvance > STALL_TIMEOUT.toMillis()) {
          throw new IllegalStateException("reading topic '" + topic + "' from " + bootstrap + " made no progress for "
              + STALL_TIMEOUT.toSeconds() + " s (read " + read + " records)");
        }
        if (now - lastProgress >= PROGRESS_MILLIS) {
          progress.println(topic + ": " + read + " records read");
          lastProgress = now;
        }
      }
      into.skipped += undeserializable;
      into.sources.add(topic + " @ " + bootstrap + ": " + read + " records, " + undeserializable
          + " undeserializable skipped, " + tombstones + " tombstones");
      progress.println(into.sources.get(into.sources.size() - 1));
    } catch (TimeoutException e) {
      throw new IllegalStateException("cannot read topic '" + topic + "' from Kafka at " + bootstrap
          + " (timed out: " + e.getMessage() + ")", e);
    }
  }

  private List<TopicPartition> partitions(KafkaConsumer<?, ?> consumer, String topic) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
    List<TopicPartition> partitions = new ArrayList<>();
    if (infos != null) {
      infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
    }
    return partitions;
  }

  private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
      if (consumer.position(e.getKey(), METADATA_TIMEOUT) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  private Properties properties() {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, "equistream-report-" + UUID.randomUUID());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "equistream-report");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) METADATA_TIMEOUT.toMillis());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    return p;
  }
}
