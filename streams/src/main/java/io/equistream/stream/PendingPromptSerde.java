package io.equistream.stream;

import io.equistream.answer.PendingPrompt;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Buffer-store values: format byte 1, 8 bytes of arrival time, the incoming key (4-byte length,
 * -1 for none, then UTF-8), then the request's Avro single-object bytes. Entries written by the
 * first version (8 bytes of arrival time, then the request; its first byte is 0 for any arrival
 * before the year 4000) are still read, so a changelog survives the upgrade.
 */
final class PendingPromptSerde {
  private static final byte FORMAT_WITH_KEY = 1;

  private PendingPromptSerde() {
  }

  static Serde<PendingPrompt> create() {
    AvroSerde<PromptRequest> requests = AvroSerde.of(PromptRequest.class);
    Serializer<PendingPrompt> serializer = (topic, pending) -> {
      if (pending == null) {
        return null;
      }
      byte[] body = requests.serializer().serialize(topic, pending.request());
      byte[] key = pending.key() == null ? new byte[0] : pending.key().getBytes(StandardCharsets.UTF_8);
      return ByteBuffer.allocate(1 + 8 + 4 + key.length + body.length).put(FORMAT_WITH_KEY)
          .putLong(pending.arrivalMillis()).putInt(pending.key() == null ? -1 : key.length).put(key).put(body).array();
    };
    Deserializer<PendingPrompt> deserializer = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      String key = null;
      long arrival;
      if (bytes[0] == FORMAT_WITH_KEY) {
        buffer.get();
        arrival = buffer.getLong();
        int keyLength = buffer.getInt();
        if (keyLength >= 0) {
          byte[] keyBytes = new byte[keyLength];
          buffer.get(keyBytes);
          key = new String(keyBytes, StandardCharsets.UTF_8);
        }
      } else {
        arrival = buffer.getLong();
      }
      byte[] body = new byte[buffer.remaining()];
      buffer.get(body);
      return new PendingPrompt(requests.deserializer().deserialize(topic, body), arrival, key);
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
