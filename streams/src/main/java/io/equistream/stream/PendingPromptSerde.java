package io.equistream.stream;

import io.equistream.answer.PendingPrompt;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Buffer-store values: 8 bytes of arrival time, then the request's Avro single-object bytes. */
final class PendingPromptSerde {
  private PendingPromptSerde() {
  }

  static Serde<PendingPrompt> create() {
    AvroSerde<PromptRequest> requests = AvroSerde.of(PromptRequest.class);
    Serializer<PendingPrompt> serializer = (topic, pending) -> {
      if (pending == null) {
        return null;
      }
      byte[] body = requests.serializer().serialize(topic, pending.request());
      return ByteBuffer.allocate(8 + body.length).putLong(pending.arrivalMillis()).put(body).array();
    };
    Deserializer<PendingPrompt> deserializer = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      long arrival = buffer.getLong();
      byte[] body = new byte[buffer.remaining()];
      buffer.get(body);
      return new PendingPrompt(requests.deserializer().deserialize(topic, body), arrival);
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
