package io.equistream.stream;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Undeserializable prompts go to the dead-letter topic ({@code errors.dead.letter.queue.topic.name})
 * byte for byte, with the reason and origin in headers, and processing continues.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler {
  private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);
  private String deadLetterTopic;

  @Override
  public void configure(Map<String, ?> configs) {
    Object topic = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
    deadLetterTopic = topic == null ? null : topic.toString();
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    String reason = exception.getMessage() == null ? exception.toString() : exception.getMessage();
    LOG.warn("undeserializable record {}-{}@{} sent to {}: {}", record.topic(), record.partition(), record.offset(),
        deadLetterTopic, reason);
    if (deadLetterTopic == null) {
      return Response.resume();
    }
    RecordHeaders headers = new RecordHeaders(record.headers().toArray());
    headers.add(FairAnswerProcessor.ERROR_HEADER, reason.getBytes(StandardCharsets.UTF_8));
    headers.add("equistream.origin", (record.topic() + "-" + record.partition() + "@" + record.offset())
        .getBytes(StandardCharsets.UTF_8));
    return Response.resume(List.of(new ProducerRecord<>(deadLetterTopic, null, record.timestamp(), record.key(),
        record.value(), headers)));
  }
}
