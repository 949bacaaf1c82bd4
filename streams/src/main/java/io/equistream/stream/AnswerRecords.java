package io.equistream.stream;

import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairCompletionChunk;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.schemas.serde.SchemaHistory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A reply topic carries two record types, FairCompletion and FairCompletionChunk, each in Avro
 * single-object encoding: the writer schema's fingerprint (bytes 2 to 9) tells them apart.
 */
public final class AnswerRecords {
  private static final AvroSerde<FairCompletion> COMPLETIONS = AvroSerde.of(FairCompletion.class);
  private static final AvroSerde<FairCompletionChunk> CHUNKS = AvroSerde.of(FairCompletionChunk.class);
  private static final Set<Long> CHUNK_FINGERPRINTS = fingerprints(FairCompletionChunk.getClassSchema());

  private AnswerRecords() {
  }

  /** Serializes a FairCompletion or a FairCompletionChunk. */
  public static Serializer<SpecificRecord> serializer() {
    return (topic, record) -> record instanceof FairCompletionChunk chunk
        ? CHUNKS.serializer().serialize(topic, chunk)
        : COMPLETIONS.serializer().serialize(topic, (FairCompletion) record);
  }

  /** Reads either type (anything else fails as a FairCompletion would). */
  public static Deserializer<SpecificRecord> deserializer() {
    return (topic, bytes) -> {
      if (bytes != null && bytes.length >= 10 && CHUNK_FINGERPRINTS.contains(
          ByteBuffer.wrap(bytes, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong())) {
        return CHUNKS.deserializer().deserialize(topic, bytes);
      }
      return COMPLETIONS.deserializer().deserialize(topic, bytes);
    };
  }

  private static Set<Long> fingerprints(Schema current) {
    Set<Long> all = new HashSet<>();
    all.add(AvroSerde.fingerprint(current));
    SchemaHistory.versions(current.getFullName()).forEach(schema -> all.add(AvroSerde.fingerprint(schema)));
    return all;
  }
}
