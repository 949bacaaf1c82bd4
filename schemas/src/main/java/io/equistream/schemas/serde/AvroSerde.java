package io.equistream.schemas.serde;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for generated Avro records using Avro single-object encoding
 * (C3 01 + 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema + binary body).
 * Why: every message carries its writer schema's fingerprint, so no schema registry is needed;
 * older writer schemas are resolved from {@link SchemaHistory}. Null bytes/records are
 * tombstones. Bad bytes never yield a record: they raise a {@link SerializationException}
 * naming the topic and the reason. Length prefixes are checked before anything is allocated
 * ({@link BoundedDecoder}, {@link Limits}), so a tiny record claiming a huge string, array or map
 * is refused ("length limit: ..."). Thread-safe.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {
  static final byte[] MAGIC = {(byte) 0xC3, 0x01};
  static final int HEADER_LENGTH = 10;

  /**
   * Caps on what one record's length prefixes may claim: bytes of one string, bytes of one
   * bytes value, and collection items (array items + map entries) of the whole record. A string
   * or bytes value is also never allowed to be longer than what is left of the message.
   */
  public record Limits(int maxStringBytes, int maxBytes, int maxCollectionItems) {
    /** 16 MiB per string or bytes value, a million items per record: far above any real message. */
    public static final Limits DEFAULT = new Limits(16 << 20, 16 << 20, 1_000_000);

    public Limits {
      if (maxStringBytes < 0 || maxBytes < 0 || maxCollectionItems < 0) {
        throw new IllegalArgumentException("Avro length limits must not be negative");
      }
    }
  }

  /** How to read one writer schema: its resolving reader and whether each array item takes a byte. */
  private record Writer<T>(SpecificDatumReader<T> reader, boolean itemsTakeBytes) {
  }

  private final Schema schema;
  private final Limits limits;
  private final BinaryMessageEncoder<T> encoder;
  private final Map<Long, Writer<T>> writers = new HashMap<>();
  private final Serializer<T> serializer = this::serialize;
  private final Deserializer<T> deserializer = this::deserialize;

  public AvroSerde(Class<T> type) {
    this(type, Limits.DEFAULT);
  }

  public AvroSerde(Class<T> type, Limits limits) {
    Objects.requireNonNull(type, "type");
    this.limits = Objects.requireNonNull(limits, "limits");
    SpecificData model = SpecificData.getForClass(type); // the class's MODEL$, with its conversions
    this.schema = model.getSchema(type);
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    for (Schema old : SchemaHistory.versions(schema.getFullName())) {
      writers.put(fingerprint(old), new Writer<>(new SpecificDatumReader<>(old, schema, model),
          WriterSchemas.everyArrayItemTakesAByte(old)));
    }
    writers.put(fingerprint(schema), new Writer<>(new SpecificDatumReader<>(schema, schema, model),
        WriterSchemas.everyArrayItemTakesAByte(schema)));
  }

  public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
    return new AvroSerde<>(type);
  }

  /** The reader (current) schema. */
  public Schema schema() {
    return schema;
  }

  /** CRC-64-AVRO fingerprint of the schema's parsing canonical form, as in the message header. */
  public static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(schema);
  }

  @Override
  public Serializer<T> serializer() {
    return serializer;
  }

  @Override
  public Deserializer<T> deserializer() {
    return deserializer;
  }

  private byte[] serialize(String topic, T record) {
    if (record == null) {
      return null;
    }
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      encoder.encode(record, out);
      return out.toByteArray();
    } catch (IOException | RuntimeException e) {
      throw new SerializationException(
          "cannot serialize " + schema.getName() + " for topic '" + topic + "': " + e.getMessage(), e);
    }
  }

  private T deserialize(String topic, byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    if (bytes.length < HEADER_LENGTH) {
      throw fail(topic, "truncated header: " + bytes.length + " bytes, single-object encoding needs at least "
          + HEADER_LENGTH, null);
    }
    if (bytes[0] != MAGIC[0] || bytes[1] != MAGIC[1]) {
      throw fail(topic, String.format("bad magic 0x%02X 0x%02X (expected 0xC3 0x01, Avro single-object encoding)",
          bytes[0], bytes[1]), null);
    }
    long fp = ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    Writer<T> writer = writers.get(fp);
    if (writer == null) {
      throw fail(topic, String.format("unknown writer schema fingerprint %016x (not the current schema"
          + " and not in schema history; a newer producer or another record type?)", fp), null);
    }
    ByteArrayInputStream in = new ByteArrayInputStream(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH);
    T record;
    try {
      record = writer.reader().read(null, new BoundedDecoder(in, limits, writer.itemsTakeBytes()));
    } catch (BoundedDecoder.LengthLimitException e) {
      throw fail(topic, "length limit: " + e.getMessage(), e);
    } catch (IOException | RuntimeException e) {
      throw fail(topic, (hasEofCause(e) ? "truncated body" : "malformed body") + ": " + e, e);
    }
    if (in.available() > 0) {
      throw fail(topic, in.available() + " trailing bytes after the record (corrupt or wrong type)", null);
    }
    return record;
  }

  private SerializationException fail(String topic, String reason, Throwable cause) {
    return new SerializationException(
        "cannot deserialize " + schema.getName() + " from topic '" + topic + "': " + reason, cause);
  }

  private static boolean hasEofCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EOFException) {
        return true;
      }
    }
    return false;
  }
}
