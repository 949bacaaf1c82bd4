package io.equistream.replay;

import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.answer.CompletionRecords;
import io.equistream.stream.TopicSetup;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Replay output to topics under the replay's own identity: a transactional producer with
 * {@code transactional.id = equistream-replay-<name>}, one transaction per batch (completions to
 * the output topic, audits to the audit output topic). Every record carries the batch marker in a
 * header, so a restart can tell whether a batch whose commit was in flight made it.
 */
final class TopicSink implements AutoCloseable {
  static final String MARKER_HEADER = "equistream.replay.batch";
  static final String SOURCE_HEADER = "equistream.replay.source";

  private final Map<String, Object> clientProperties;
  private final String completionsTopic;
  private final String auditTopic;
  private final KafkaProducer<String, byte[]> producer;
  private KafkaConsumer<byte[], byte[]> offsets;
  private final AvroSerde<FairCompletion> completionSerde = AvroSerde.of(FairCompletion.class);
  private final AvroSerde<FairnessAudit> auditSerde = AvroSerde.of(FairnessAudit.class);

  TopicSink(Map<String, Object> clientProperties, String transactionalId, String completionsTopic, String auditTopic,
      int partitions, short replication) {
    this.clientProperties = clientProperties;
    this.completionsTopic = completionsTopic;
    this.auditTopic = auditTopic;
    TopicSetup.createMissing(clientProperties, List.of(completionsTopic, auditTopic), partitions, replication);
    Map<String, Object> props = new HashMap<>(clientProperties);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_048_576);
    this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    // Fences an earlier run with the same transactional.id and aborts its open transaction.
    producer.initTransactions();
  }

  /** End offsets (committed data) of the output topics, "topic:partition" -> offset. */
  Map<String, Long> endOffsets() {
    Map<String, Long> out = new TreeMap<>();
    if (offsets == null) {
      offsets = new KafkaConsumer<>(TopicSource.consumerProperties(clientProperties));
    }
    for (String topic : List.of(completionsTopic, auditTopic)) {
      List<TopicPartition> partitions = offsets.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(topic, p.partition())).toList();
      offsets.endOffsets(partitions, Duration.ofSeconds(30))
          .forEach((tp, offset) -> out.put(tp.topic() + ":" + tp.partition(), offset));
    }
    return out;
  }

  /**
   * Writes one batch in a transaction: sends, flushes, lets {@code beforeCommit} record the batch
   * as pending, then commits. Aborts on failure.
   */
  void write(List<CompletionRecords.Answer> answers, List<String> sources, String marker,
      Consumer<String> beforeCommit) {
    producer.beginTransaction();
    try {
      for (int i = 0; i < answers.size(); i++) {
        CompletionRecords.Answer answer = answers.get(i);
        FairCompletion completion = answer.completion();
        String key = completion.getConversationId() == null || completion.getConversationId().isEmpty()
            ? completion.getRequestId() : completion.getConversationId();
        RecordHeaders headers = new RecordHeaders();
        headers.add(MARKER_HEADER, marker.getBytes(StandardCharsets.UTF_8));
        headers.add(SOURCE_HEADER, sources.get(i).getBytes(StandardCharsets.UTF_8));
        producer.send(new ProducerRecord<>(completionsTopic, null, key,
            completionSerde.serializer().serialize(completionsTopic, completion), headers));
        producer.send(new ProducerRecord<>(auditTopic, null, key,
            auditSerde.serializer().serialize(auditTopic, answer.audit()), headers));
      }
      producer.flush();
      beforeCommit.accept(marker);
      producer.commitTransaction();
    } catch (RuntimeException e) {
      try {
        producer.abortTransaction();
      } catch (RuntimeException abortFailure) {
        e.addSuppressed(abortFailure);
      }
      throw e;
    }
  }

  /** Whether a batch with this marker is in the committed output (read from the offsets before it). */
  boolean committed(String marker, Map<String, Long> startOffsets) {
    byte[] wanted = marker.getBytes(StandardCharsets.UTF_8);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(TopicSource.consumerProperties(clientProperties))) {
      List<TopicPartition> partitions = consumer.partitionsFor(completionsTopic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(completionsTopic, p.partition())).toList();
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      for (TopicPartition tp : partitions) {
        long from = startOffsets.getOrDefault(tp.topic() + ":" + tp.partition(), 0L);
        long to = end.get(tp);
        if (from >= to) {
          continue;
        }
        consumer.assign(List.of(tp));
        consumer.seek(tp, from);
        long deadline = System.nanoTime() + TopicSource.STALL_TIMEOUT.toNanos();
        while (consumer.position(tp) < to && System.nanoTime() < deadline) {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
            Header header = record.headers().lastHeader(MARKER_HEADER);
            if (header != null && Arrays.equals(header.value(), wanted)) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  @Override
  public void close() {
    if (offsets != null) {
      offsets.close();
    }
    producer.close();
  }
}
