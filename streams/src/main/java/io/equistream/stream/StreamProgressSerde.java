package io.equistream.stream;

import io.equistream.answer.StreamProgress;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Stream-progress store values: chunks sent, characters shown, token count, then the tokens (4 bytes each). */
final class StreamProgressSerde {
  private StreamProgressSerde() {
  }

  static Serde<StreamProgress> create() {
    Serializer<StreamProgress> serializer = (topic, progress) -> {
      if (progress == null) {
        return null;
      }
      ByteBuffer out = ByteBuffer.allocate(12 + 4 * progress.tokens().length)
          .putInt(progress.chunks()).putInt(progress.shownChars()).putInt(progress.tokens().length);
      for (int token : progress.tokens()) {
        out.putInt(token);
      }
      return out.array();
    };
    Deserializer<StreamProgress> deserializer = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      ByteBuffer in = ByteBuffer.wrap(bytes);
      int chunks = in.getInt();
      int shownChars = in.getInt();
      int[] tokens = new int[in.getInt()];
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = in.getInt();
      }
      return new StreamProgress(chunks, tokens, shownChars);
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
