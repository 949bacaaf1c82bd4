package io.equistream.stream;

import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The prompts-topic serde. Avro decodes malformed UTF-8 in a string field (a CESU-8 lone surrogate,
 * a stray continuation byte, an overlong encoding) to U+FFFD without complaint, so a request with
 * garbage text would be answered as if the caller had sent replacement characters. Here such a
 * record fails deserialization instead, and the deserialization handler dead-letters it with the
 * reason. A real U+FFFD sent by the caller is kept: it is on the wire as EF BF BD, so the decoded
 * strings hold no more U+FFFD than the bytes encode.
 */
final class StrictUtf8PromptSerde {
  private static final char REPLACEMENT = '\uFFFD';

  private StrictUtf8PromptSerde() {
  }

  static Serde<PromptRequest> create() {
    AvroSerde<PromptRequest> avro = AvroSerde.of(PromptRequest.class);
    Deserializer<PromptRequest> inner = avro.deserializer();
    Deserializer<PromptRequest> strict = (topic, bytes) -> {
      PromptRequest request = inner.deserialize(topic, bytes);
      if (request == null) {
        return null;
      }
      long decoded = replacements(request);
      if (decoded > 0 && decoded > encodedReplacements(bytes)) {
        throw new SerializationException("cannot deserialize PromptRequest from topic '" + topic
            + "': invalid UTF-8 in a string field (" + (decoded - encodedReplacements(bytes))
            + " malformed sequence(s) would have been replaced by U+FFFD)");
      }
      return request;
    };
    return Serdes.serdeFrom(avro.serializer(), strict);
  }

  private static long replacements(PromptRequest r) {
    long n = count(r.getRequestId()) + count(r.getConversationId()) + count(r.getPrompt()) + count(r.getMethod())
        + count(r.getAggregate()) + count(r.getStop()) + count(r.getReplyTopic());
    if (r.getGroups() != null) {
      for (String group : r.getGroups()) {
        n += count(group);
      }
    }
    if (r.getMetadata() != null) {
      for (Map.Entry<String, String> e : r.getMetadata().entrySet()) {
        n += count(e.getKey()) + count(e.getValue());
      }
    }
    return n;
  }

  private static long count(CharSequence text) {
    if (text == null) {
      return 0;
    }
    long n = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == REPLACEMENT) {
        n++;
      }
    }
    return n;
  }

  /** How many times U+FFFD's UTF-8 encoding (EF BF BD) occurs in the raw bytes. */
  private static long encodedReplacements(byte[] bytes) {
    long n = 0;
    for (int i = 0; i + 2 < bytes.length; i++) {
      if (bytes[i] == (byte) 0xEF && bytes[i + 1] == (byte) 0xBF && bytes[i + 2] == (byte) 0xBD) {
        n++;
        i += 2;
      }
    }
    return n;
  }
}
