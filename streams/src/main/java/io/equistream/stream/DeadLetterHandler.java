package io.equistream.stream;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undeserializable prompts (bad bytes, unknown fingerprints, Avro length bombs, invalid UTF-8) go
 * to the dead-letter topic ({@code errors.dead.letter.queue.topic.name}) with the reason and origin
 * in headers, and processing continues. The dead letter is bounded ({@link DeadLetters}): small
 * payloads are kept byte for byte, large ones are cut with a header saying so.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);
  private String deadLetterTopic;
  private int maxPayloadBytes = DeadLetters.DEFAULT_MAX_PAYLOAD_BYTES;

  @Override
  public void configure(Map<String, ?> configs) {
    Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    deadLetterTopic = topic == null ? null : topic.toString();
    maxPayloadBytes = DeadLetters.maxPayloadBytes(configs);
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    String reason = DeadLetters.reason(exception.getMessage() == null ? exception.toString() : exception.getMessage());
    String origin = record.topic() + "-" + record.partition() + "@" + record.offset();
    LOG.warn("undeserializable record {} sent to {}: {}", origin, deadLetterTopic, reason);
    if (deadLetterTopic == null) {
      return Response.resume();
    }
    return Response.resume(List.of(new ProducerRecord<>(deadLetterTopic, null, record.timestamp(),
        DeadLetters.key(record.key()), DeadLetters.payload(record.value(), maxPayloadBytes),
        DeadLetters.headers(record.headers(), reason, origin, record.value(), record.key(), maxPayloadBytes))));
  }
}
