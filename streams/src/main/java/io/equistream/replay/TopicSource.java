package io.equistream.replay;

import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Prompts from a topic, read without a consumer group: partitions are assigned and sought (no
 * group.id, nothing committed, so the live service's offsets are never touched), committed
 * records only, one partition after another (a fixed order, so a resumed replay writes what an
 * uninterrupted one would). The range of each partition is fixed at the first start
 * ([from, min(end offset at start, to))) and kept in the state file, so a resumed replay covers
 * the same records even if more prompts arrived since.
 */
final class TopicSource implements ReplaySource {
  static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

  /** [start, end) per partition. */
  record Bounds(TreeMap<Integer, long[]> ranges) {
    long total() {
      return ranges.values().stream().mapToLong(r -> Math.max(0, r[1] - r[0])).sum();
    }
  }

  private final String topic;
  private final Bounds bounds;
  private final TreeMap<Integer, Long> next = new TreeMap<>();
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Deserializer<PromptRequest> values = AvroSerde.of(PromptRequest.class).deserializer();
  private final Deque<ConsumerRecord<byte[], byte[]>> buffered = new ArrayDeque<>();
  private Integer assigned;

  TopicSource(Map<String, Object> clientProperties, String topic, Bounds bounds, Map<String, Long> resumeAt) {
    this.topic = topic;
    this.bounds = bounds;
    this.consumer = new KafkaConsumer<>(consumerProperties(clientProperties));
    bounds.ranges().forEach((partition, range) -> {
      Long resumed = resumeAt.get(String.valueOf(partition));
      next.put(partition, resumed == null ? range[0] : Math.max(range[0], Math.min(resumed, range[1])));
    });
  }

  static Map<String, Object> consumerProperties(Map<String, Object> clientProperties) {
    Map<String, Object> props = new HashMap<>(clientProperties);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return props;
  }

  /**
   * The range to replay: from = --from-offset / --from-timestamp / the beginning; end = the end
   * offset (last stable offset) now, lowered to --to-offset (exclusive) / --to-timestamp.
   */
  static Bounds compute(Map<String, Object> clientProperties, String topic, Map<Integer, Long> fromOffsets,
      Long fromOffsetAll, Instant fromTimestamp, Map<Integer, Long> toOffsets, Long toOffsetAll, Instant toTimestamp) {
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties(clientProperties))) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("topic '" + topic + "' does not exist");
      }
      List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition()))
          .sorted((a, b) -> Integer.compare(a.partition(), b.partition())).toList();
      Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions, Duration.ofSeconds(30));
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      Map<TopicPartition, OffsetAndTimestamp> fromTimes = fromTimestamp == null ? Map.of()
          : consumer.offsetsForTimes(times(partitions, fromTimestamp), Duration.ofSeconds(30));
      Map<TopicPartition, OffsetAndTimestamp> toTimes = toTimestamp == null ? Map.of()
          : consumer.offsetsForTimes(times(partitions, toTimestamp), Duration.ofSeconds(30));
      TreeMap<Integer, long[]> ranges = new TreeMap<>();
      for (TopicPartition tp : partitions) {
        long first = beginning.get(tp);
        long last = end.get(tp);
        long start = first;
        if (fromTimestamp != null) {
          OffsetAndTimestamp found = fromTimes.get(tp);
          start = found == null ? last : found.offset();
        }
        Long from = fromOffsets.getOrDefault(tp.partition(), fromOffsetAll);
        if (from != null) {
          start = from;
        }
        long stop = last;
        if (toTimestamp != null) {
          OffsetAndTimestamp found = toTimes.get(tp);
          stop = found == null ? last : Math.min(last, found.offset());
        }
        Long to = toOffsets.getOrDefault(tp.partition(), toOffsetAll);
        if (to != null) {
          stop = Math.min(stop, to);
        }
        start = Math.max(first, Math.min(start, last));
        ranges.put(tp.partition(), new long[] {start, Math.max(start, stop)});
      }
      return new Bounds(ranges);
    }
  }

  private static Map<TopicPartition, Long> times(List<TopicPartition> partitions, Instant at) {
    Map<TopicPartition, Long> out = new LinkedHashMap<>();
    partitions.forEach(tp -> out.put(tp, at.toEpochMilli()));
    return out;
  }

  Bounds bounds() {
    return bounds;
  }

  @Override
  public long total() {
    return bounds.total();
  }

  @Override
  public long consumed() {
    long done = 0;
    for (Map.Entry<Integer, long[]> e : bounds.ranges().entrySet()) {
      done += next.get(e.getKey()) - e.getValue()[0];
    }
    return done;
  }

  @Override
  public List<ReplayItem> next(int max) {
    List<ReplayItem> out = new ArrayList<>();
    long lastProgress = System.nanoTime();
    while (out.size() < max) {
      if (!buffered.isEmpty()) {
        ConsumerRecord<byte[], byte[]> record = buffered.poll();
        int partition = record.partition();
        long end = bounds.ranges().get(partition)[1];
        if (record.offset() < next.get(partition) || record.offset() >= end) {
          continue;
        }
        next.put(partition, record.offset() + 1);
        out.add(item(record));
        continue;
      }
      Integer partition = firstUnfinished();
      if (partition == null) {
        break;
      }
      TopicPartition tp = new TopicPartition(topic, partition);
      if (!partition.equals(assigned)) {
        consumer.assign(List.of(tp));
        consumer.seek(tp, next.get(partition));
        assigned = partition;
      }
      var polled = consumer.poll(Duration.ofMillis(500));
      polled.records(tp).forEach(buffered::add);
      long position = consumer.position(tp);
      if (buffered.isEmpty()) {
        // Transaction markers and aborted records have offsets but no records: skip over them.
        if (position > next.get(partition)) {
          next.put(partition, Math.min(position, bounds.ranges().get(partition)[1]));
          lastProgress = System.nanoTime();
        } else if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
          throw new IllegalStateException("no progress reading " + tp + " at offset " + next.get(partition)
              + " for " + STALL_TIMEOUT.toSeconds() + " s (an open transaction on the prompts topic?)");
        }
      } else {
        lastProgress = System.nanoTime();
      }
    }
    return out;
  }

  private Integer firstUnfinished() {
    for (Map.Entry<Integer, long[]> e : bounds.ranges().entrySet()) {
      if (next.get(e.getKey()) < e.getValue()[1]) {
        return e.getKey();
      }
    }
    return null;
  }

  private ReplayItem item(ConsumerRecord<byte[], byte[]> record) {
    String where = topic + "-" + record.partition() + "@" + record.offset();
    if (record.value() == null) {
      return ReplayItem.unreadable("null value", where);
    }
    try {
      return ReplayItem.of(values.deserialize(topic, record.value()), where);
    } catch (RuntimeException e) {
      return ReplayItem.unreadable(e.getMessage(), where);
    }
  }

  @Override
  public Map<String, Long> position() {
    Map<String, Long> out = new TreeMap<>();
    next.forEach((partition, offset) -> out.put(String.valueOf(partition), offset));
    return out;
  }

  @Override
  public String describe() {
    return "topic:" + topic;
  }

  @Override
  public void close() {
    consumer.close();
  }
}
