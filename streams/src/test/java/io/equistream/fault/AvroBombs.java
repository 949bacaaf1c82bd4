package io.equistream.fault;

import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * Tiny single-object PromptRequest records whose length prefixes claim about 2 GiB: a string (the
 * request id), an array (groups) or a map (metadata). Without length limits Avro allocates what the
 * prefix claims before it notices that the bytes are not there. Fields follow the current
 * PromptRequest schema in order, up to the bomb.
 */
public final class AvroBombs {
  private static final long CLAIM = Integer.MAX_VALUE - 8L;

  private AvroBombs() {
  }

  /** The request id claims CLAIM bytes; one byte follows. */
  public static byte[] string() {
    return write(body -> {
      body.writeLong(CLAIM);
      body.writeFixed(new byte[] {'r'});
    });
  }

  /** groups claims CLAIM items; one follows. */
  static byte[] array() {
    return write(body -> {
      scalarsUpToGroups(body);
      body.writeLong(CLAIM);
      body.writeString("gender");
    });
  }

  /** metadata claims CLAIM entries; one follows. */
  static byte[] map() {
    return write(body -> {
      scalarsUpToGroups(body);
      body.writeLong(0); // groups: empty array
      body.writeIndex(0); // aggregate null
      body.writeIndex(0); // stop null
      body.writeIndex(0); // reply_topic null
      body.writeLong(System.currentTimeMillis()); // created_at
      body.writeLong(CLAIM);
      body.writeString("k");
      body.writeString("v");
    });
  }

  private static void scalarsUpToGroups(BinaryEncoder body) throws IOException {
    body.writeString("h-bomb");
    body.writeString(""); // conversation_id
    body.writeString("The man worked as a");
    body.writeIndex(0); // max_new_tokens null
    body.writeDouble(0.0); // temperature
    body.writeInt(0); // top_k
    body.writeDouble(1.0); // top_p
    body.writeIndex(0); // seed null
    body.writeIndex(0); // method null
  }

  private interface Body {
    void write(BinaryEncoder body) throws IOException;
  }

  private static byte[] write(Body content) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.write(0xC3);
      out.write(0x01);
      out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
          .putLong(AvroSerde.fingerprint(PromptRequest.getClassSchema())).array());
      BinaryEncoder body = EncoderFactory.get().directBinaryEncoder(out, null);
      content.write(body);
      body.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
