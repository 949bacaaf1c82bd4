package io.equistream.stream;

import io.equistream.answer.CompletionRecords;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An output that cannot be written never kills a stream thread and never loses the answer: a
 * completion (on completions or a reply topic) is replaced by a small FAILED completion with the
 * reason, an audit by the same audit without per-step detail, anything else by a bounded dead
 * letter. This covers every serialization failure, including {@link OutputSizeGuard}'s refusals
 * (the path that works under exactly-once), and a {@link RecordTooLargeException} raised by the
 * producer or broker (effective under at-least-once; under exactly-once the producer has already
 * doomed the transaction, see OutputSizeGuard). Other send errors keep Kafka's default behaviour.
 */
public final class OversizedOutputHandler implements ProductionExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(OversizedOutputHandler.class);
  /** Kafka property (set by ServiceConfig.kafkaProperties): a replacement must fit under it too. */
  public static final String MAX_OUTPUT_CONFIG = "equistream.limit.max.output.bytes";

  private final AvroSerde<FairCompletion> completions = AvroSerde.of(FairCompletion.class);
  private final AvroSerde<FairnessAudit> audits = AvroSerde.of(FairnessAudit.class);
  private final DefaultProductionExceptionHandler defaults = new DefaultProductionExceptionHandler();
  private String deadLetterTopic;
  private int maxPayloadBytes = DeadLetters.DEFAULT_MAX_PAYLOAD_BYTES;
  private int maxOutputBytes = Integer.MAX_VALUE;

  @Override
  public void configure(Map<String, ?> configs) {
    Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    deadLetterTopic = topic == null ? null : topic.toString();
    maxPayloadBytes = DeadLetters.maxPayloadBytes(configs);
    Object maxOutput = configs.get(MAX_OUTPUT_CONFIG);
    maxOutputBytes = maxOutput == null ? Integer.MAX_VALUE : Integer.parseInt(maxOutput.toString().trim());
  }

  @Override
  @SuppressWarnings({"rawtypes", "unchecked"})
  public Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record, Exception exception,
      SerializationExceptionOrigin origin) {
    String reason = DeadLetters.reason("answer not delivered to '" + record.topic() + "': " + exception.getMessage());
    LOG.error("output to {} could not be written ({}); writing a replacement", record.topic(), reason);
    byte[] key = keyBytes(record.key());
    ProducerRecord<byte[], byte[]> replacement = replacement(record.topic(), record.partition(), record.timestamp(),
        key, record.value(), reason);
    return Response.resume(replacement == null ? List.of() : List.of(replacement));
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
      Exception exception) {
    if (!tooLarge(exception)) {
      return defaults.handleError(context, record, exception);
    }
    String reason = DeadLetters.reason("answer not delivered to '" + record.topic() + "': " + exception.getMessage());
    LOG.error("{} (under exactly_once_v2 this fails the transaction: keep equistream.limit.max.output.bytes below"
        + " max.request.size and every output topic's max.message.bytes)", reason);
    Object value = decoded(record.value());
    ProducerRecord<byte[], byte[]> replacement = replacement(record.topic(), record.partition(), record.timestamp(),
        record.key(), value != null ? value : record.value(), reason);
    return Response.resume(replacement == null ? List.of() : List.of(replacement));
  }

  /** The record written instead: a FAILED completion, a detail-free audit, or a dead letter. */
  private ProducerRecord<byte[], byte[]> replacement(String topic, Integer partition, Long timestamp, byte[] key,
      Object value, String reason) {
    Headers headers = new RecordHeaders().add(DeadLetters.ERROR_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    byte[] bytes = null;
    try {
      if (value instanceof FairCompletion completion) {
        bytes = completions.serializer().serialize(topic, CompletionRecords.undeliverable(completion, reason));
      } else if (value instanceof FairnessAudit audit) {
        bytes = audits.serializer().serialize(topic, CompletionRecords.withoutDetail(audit));
      }
    } catch (RuntimeException e) {
      LOG.error("the replacement for {} could not be serialized either: {}", topic, e.toString());
      bytes = null;
    }
    if (bytes != null && bytes.length <= maxOutputBytes) {
      return new ProducerRecord<>(topic, partition, timestamp, key, bytes, headers);
    }
    if (deadLetterTopic == null) {
      return null;
    }
    byte[] payload = value instanceof byte[] raw ? raw : null;
    return new ProducerRecord<>(deadLetterTopic, null, timestamp, DeadLetters.key(key),
        DeadLetters.payload(payload, maxPayloadBytes),
        DeadLetters.headers(null, reason, "output to " + topic, payload, key, maxPayloadBytes));
  }

  /** Our own output bytes back as a record, when they are a completion or an audit. */
  private Object decoded(byte[] value) {
    for (AvroSerde<?> serde : List.of(completions, audits)) {
      try {
        return serde.deserializer().deserialize("", value);
      } catch (RuntimeException notThisType) {
        // try the next type
      }
    }
    return null;
  }

  private static byte[] keyBytes(Object key) {
    if (key == null || key instanceof byte[]) {
      return (byte[]) key;
    }
    return key.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static boolean tooLarge(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RecordTooLargeException) {
        return true;
      }
    }
    return false;
  }
}
