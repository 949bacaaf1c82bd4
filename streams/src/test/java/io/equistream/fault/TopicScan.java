package io.equistream.fault;

import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.serde.AvroSerde;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Whole-topic reads with read_uncommitted (aborted writes count too: a topic the service must never
 * write holds none of its records, committed or not).
 */
final class TopicScan {
  /** The single-object header of the FairCompletion the service writes: C3 01 + fingerprint (little-endian). */
  static final byte[] COMPLETION_HEADER = header(AvroSerde.fingerprint(FairCompletion.getClassSchema()));

  private TopicScan() {
  }

  static byte[] header(long fingerprint) {
    return ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).put((byte) 0xC3).put((byte) 0x01)
        .putLong(fingerprint).array();
  }

  /** Every record of the topic, from the beginning to the end offsets at the time of the call. */
  static List<ConsumerRecord<byte[], byte[]>> all(String bootstrap, String topic) {
    Map<String, Object> props = new HashMap<>();
    props.put("bootstrap.servers", bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * 1024 * 1024);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<ConsumerRecord<byte[], byte[]>> out = new java.util.ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("could not read " + topic + " to its end");
        }
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      return out;
    }
  }

  static long count(String bootstrap, String topic) {
    return all(bootstrap, topic).size();
  }

  /** Records of the topic that are FairCompletions (by their single-object header). */
  static long completionsIn(String bootstrap, String topic) {
    return all(bootstrap, topic).stream().filter(r -> r.value() != null && r.value().length >= 10
        && Arrays.equals(r.value(), 0, 10, COMPLETION_HEADER, 0, 10)).count();
  }

  static boolean exists(String bootstrap, String topic) throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      return admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic);
    }
  }
}
