package io.equistream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * Length bombs: tiny records whose length prefixes claim about 2 GiB. Avro's decoder allocates
 * what a length prefix claims before reading it, so without limits each of these would allocate
 * gigabytes (or die with OutOfMemoryError). Real single-object bytes, crafted field by field.
 */
class AvroLengthLimitTest {
  private static final String TOPIC = "prompts";
  /** Just under Java's largest array: what Avro's own default limit lets through. */
  private static final long TWO_GIB = Integer.MAX_VALUE - 8L;
  private static final long ONE_MIB = 1L << 20;

  @Test
  void aSixteenByteRecordClaimingATwoGibStringIsRefusedWithoutAllocating() throws IOException {
    ByteArrayOutputStream out = header(PromptRequest.getClassSchema());
    BinaryEncoder body = EncoderFactory.get().directBinaryEncoder(out, null);
    body.writeLong(TWO_GIB); // request_id: a string length prefix
    body.writeFixed(new byte[] {'r'});
    byte[] bomb = out.toByteArray();
    assertEquals(16, bomb.length);

    SerializationException e = refusedWithoutAllocating(PromptRequest.class, bomb);
    assertTrue(e.getMessage().contains("string of 2147483639 bytes"), e.getMessage());
  }

  @Test
  void anArrayClaimingTwoGibItemsIsRefusedWithoutAllocating() throws IOException {
    ByteArrayOutputStream out = header(FairCompletion.getClassSchema());
    BinaryEncoder body = EncoderFactory.get().directBinaryEncoder(out, null);
    body.writeString(""); // request_id
    body.writeString(""); // conversation_id
    body.writeEnum(0); // status
    body.writeIndex(0); // reason: null
    body.writeString(""); // completion
    body.writeLong(TWO_GIB); // completion_token_ids: block item count
    body.writeInt(7);
    byte[] bomb = out.toByteArray();
    assertTrue(bomb.length <= 24, bomb.length + " bytes");

    SerializationException e = refusedWithoutAllocating(FairCompletion.class, bomb);
    assertTrue(e.getMessage().contains("2147483639 items"), e.getMessage());
  }

  @Test
  void aMapClaimingTwoGibEntriesIsRefusedWithoutAllocating() throws IOException {
    ByteArrayOutputStream out = header(PromptRequest.getClassSchema());
    BinaryEncoder body = EncoderFactory.get().directBinaryEncoder(out, null);
    body.writeString("r"); // request_id
    body.writeString(""); // conversation_id
    body.writeString("p"); // prompt
    body.writeIndex(0); // max_new_tokens: null
    body.writeDouble(0); // temperature
    body.writeInt(0); // top_k
    body.writeDouble(1); // top_p
    body.writeIndex(0); // seed: null
    body.writeIndex(0); // method: null
    body.writeLong(0); // groups: empty array
    body.writeIndex(0); // aggregate: null
    body.writeIndex(0); // stop: null
    body.writeIndex(0); // reply_topic: null
    body.writeLong(0); // created_at
    body.writeLong(TWO_GIB); // metadata: block entry count, then one real entry
    body.writeString("k");
    body.writeString("v");
    byte[] bomb = out.toByteArray();
    assertTrue(bomb.length < 64, bomb.length + " bytes");

    SerializationException e = refusedWithoutAllocating(PromptRequest.class, bomb);
    assertTrue(e.getMessage().contains("2147483639 items"), e.getMessage());
  }

  @Test
  void lengthsAreAlsoCappedBelowWhatTheRecordHolds() {
    AvroSerde<PromptRequest> strict = new AvroSerde<>(PromptRequest.class, new AvroSerde.Limits(64, 64, 8));
    PromptRequest request = PromptRequest.newBuilder(Samples.promptRequest()).setPrompt("x".repeat(65)).build();
    byte[] bytes = AvroSerde.of(PromptRequest.class).serializer().serialize(TOPIC, request);
    SerializationException e = assertThrows(SerializationException.class,
        () -> strict.deserializer().deserialize(TOPIC, bytes));
    assertTrue(e.getMessage().contains("string of 65 bytes exceeds the limit of 64"), e.getMessage());

    PromptRequest manyGroups = PromptRequest.newBuilder(Samples.promptRequest())
        .setGroups(java.util.Collections.nCopies(9, "g")).build();
    byte[] grouped = AvroSerde.of(PromptRequest.class).serializer().serialize(TOPIC, manyGroups);
    e = assertThrows(SerializationException.class, () -> strict.deserializer().deserialize(TOPIC, grouped));
    assertTrue(e.getMessage().contains("exceeds the limit of 8 items"), e.getMessage());
  }

  @Test
  void bytesFieldsAreCheckedToo() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    encoder.writeLong(TWO_GIB);
    encoder.writeFixed(new byte[] {1, 2, 3});
    java.io.ByteArrayInputStream source = new java.io.ByteArrayInputStream(out.toByteArray());
    BoundedDecoder decoder = new BoundedDecoder(source, AvroSerde.Limits.DEFAULT, true);
    BoundedDecoder.LengthLimitException e = assertThrows(BoundedDecoder.LengthLimitException.class,
        () -> decoder.readBytes(null));
    assertTrue(e.getMessage().contains("bytes value of 2147483639 bytes"), e.getMessage());
  }

  @Test
  void largeButHonestRecordsStillDecode() {
    PromptRequest request = PromptRequest.newBuilder(Samples.promptRequest()).setPrompt("é".repeat(200_000))
        .setMetadata(Map.of("a", "b".repeat(50_000))).build();
    AvroSerde<PromptRequest> serde = AvroSerde.of(PromptRequest.class);
    assertEquals(request, serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, request)));
  }

  private static <T extends SpecificRecord> SerializationException refusedWithoutAllocating(Class<T> type,
      byte[] bomb) {
    AvroSerde<T> serde = AvroSerde.of(type);
    serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, sample(type))); // warm up
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    SerializationException e = assertThrows(SerializationException.class,
        () -> serde.deserializer().deserialize(TOPIC, bomb));
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(allocated < ONE_MIB, "decoding a " + bomb.length + "-byte bomb allocated " + allocated + " bytes");
    assertTrue(e.getMessage().contains("topic '" + TOPIC + "'"), e.getMessage());
    assertTrue(e.getMessage().contains("length limit"), e.getMessage());
    return e;
  }

  @SuppressWarnings("unchecked")
  private static <T extends SpecificRecord> T sample(Class<T> type) {
    return (T) (type == PromptRequest.class ? Samples.promptRequest() : Samples.completion());
  }

  /** The 10-byte single-object header: C3 01 + the schema's CRC-64-AVRO fingerprint, little-endian. */
  private static ByteArrayOutputStream header(Schema schema) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0xC3);
    out.write(0x01);
    out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(AvroSerde.fingerprint(schema)).array());
    return out;
  }
}
