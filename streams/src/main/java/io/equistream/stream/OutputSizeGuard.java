package io.equistream.stream;

import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Output serializers that refuse a record above {@code equistream.limit.max.output.bytes}. Why in
 * the serializer: a record the producer or broker refuses as too large puts an exactly-once
 * transaction into an abortable state, so the commit fails and the stream thread dies and
 * reprocesses the same input forever, whatever the production exception handler answers. Refused
 * here, before the producer sees it, the {@link RecordTooLargeException} goes to
 * {@link OversizedOutputHandler#handleSerializationError}, which writes a FAILED answer or a dead
 * letter inside the same, still healthy, transaction. Keep the cap below the producer's
 * {@code max.request.size} and every output topic's {@code max.message.bytes}.
 */
public final class OutputSizeGuard {
  private OutputSizeGuard() {
  }

  public static <T> Serializer<T> capped(Serializer<T> inner, int maxBytes) {
    return (topic, value) -> {
      byte[] bytes = inner.serialize(topic, value);
      if (bytes != null && bytes.length > maxBytes) {
        throw new RecordTooLargeException("record of " + bytes.length + " bytes for topic '" + topic
            + "' exceeds equistream.limit.max.output.bytes=" + maxBytes);
      }
      return bytes;
    };
  }

  /** The serde with its serializer capped (deserialization unchanged). */
  public static <T> Serde<T> capped(Serde<T> serde, int maxBytes) {
    return Serdes.serdeFrom(capped(serde.serializer(), maxBytes), serde.deserializer());
  }
}
