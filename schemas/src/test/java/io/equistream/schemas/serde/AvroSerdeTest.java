package io.equistream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AvroSerdeTest {
  private static final String TOPIC = "fair-requests";

  static Stream<SpecificRecord> records() {
    return Samples.all().stream();
  }

  @ParameterizedTest(name = "{index}: {0}")
  @MethodSource("records")
  void roundTripsWithSingleObjectHeader(SpecificRecord record) {
    roundTrip(record);
  }

  private static <T extends SpecificRecord> void roundTrip(T record) {
    @SuppressWarnings("unchecked")
    AvroSerde<T> serde = AvroSerde.of((Class<T>) record.getClass());
    byte[] bytes = serde.serializer().serialize(TOPIC, record);

    assertEquals((byte) 0xC3, bytes[0]);
    assertEquals((byte) 0x01, bytes[1]);
    byte[] expectedFp = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(AvroSerde.fingerprint(record.getSchema())).array();
    assertArrayEquals(expectedFp, Arrays.copyOfRange(bytes, 2, 10));

    T back = serde.deserializer().deserialize(TOPIC, bytes);
    assertNotSame(record, back);
    assertEquals(record, back);
  }

  @Test
  void keepsTimestampsAsInstants() {
    AvroSerde<FairCompletion> serde = AvroSerde.of(FairCompletion.class);
    FairCompletion back = serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, Samples.completion()));
    assertEquals(Samples.T0, back.getCreatedAt());
    assertEquals(Samples.T0.plusMillis(45), back.getCompletedAt());
  }

  @Test
  void nullIsATombstone() {
    AvroSerde<PromptRequest> serde = AvroSerde.of(PromptRequest.class);
    assertNull(serde.serializer().serialize(TOPIC, null));
    assertNull(serde.deserializer().deserialize(TOPIC, null));
  }

  @Test
  void garbageBytesFailWithBadMagic() {
    byte[] garbage = "{\"request_id\":\"r1\"}".getBytes();
    SerializationException e = assertThrows(SerializationException.class, () -> deserialize(garbage));
    assertMessage(e, "bad magic 0x7B 0x22");
  }

  @Test
  void tooShortForHeaderFails() {
    SerializationException e = assertThrows(SerializationException.class,
        () -> deserialize(new byte[] {(byte) 0xC3, 0x01, 1, 2}));
    assertMessage(e, "truncated header: 4 bytes");
    assertMessage(assertThrows(SerializationException.class, () -> deserialize(new byte[0])), "truncated header: 0 bytes");
  }

  @Test
  void everyTruncatedBodyFails() {
    byte[] bytes = AvroSerde.of(PromptRequest.class).serializer().serialize(TOPIC, Samples.promptRequest());
    for (int len = AvroSerde.HEADER_LENGTH; len < bytes.length; len++) {
      byte[] cut = Arrays.copyOf(bytes, len);
      SerializationException e = assertThrows(SerializationException.class, () -> deserialize(cut), "length " + len);
      assertMessage(e, "truncated body");
    }
  }

  @Test
  void unknownFingerprintFails() {
    byte[] bytes = AvroSerde.of(PromptRequest.class).serializer().serialize(TOPIC, Samples.promptRequest());
    bytes[5] ^= 0x5A;
    byte[] corrupt = bytes;
    SerializationException e = assertThrows(SerializationException.class, () -> deserialize(corrupt));
    assertMessage(e, "unknown writer schema fingerprint");
  }

  @Test
  void anotherRecordTypeIsAnUnknownFingerprint() {
    byte[] other = AvroSerde.of(FairCompletion.class).serializer().serialize(TOPIC, Samples.completion());
    assertMessage(assertThrows(SerializationException.class, () -> deserialize(other)), "unknown writer schema fingerprint");
  }

  @Test
  void trailingBytesFail() {
    byte[] bytes = AvroSerde.of(PromptRequest.class).serializer().serialize(TOPIC, Samples.promptRequest());
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 3);
    assertMessage(assertThrows(SerializationException.class, () -> deserialize(longer)), "3 trailing bytes");
  }

  @Test
  void serializingAnInvalidRecordFailsWithTopic() {
    PromptRequest bad = Samples.promptRequest();
    bad.setPrompt(null); // setters bypass the builder's validation
    SerializationException e = assertThrows(SerializationException.class,
        () -> AvroSerde.of(PromptRequest.class).serializer().serialize(TOPIC, bad));
    assertTrue(e.getMessage().contains("'" + TOPIC + "'"), e.getMessage());
    assertTrue(e.getMessage().contains("prompt"), e.getMessage());
  }

  private static PromptRequest deserialize(byte[] bytes) {
    return AvroSerde.of(PromptRequest.class).deserializer().deserialize(TOPIC, bytes);
  }

  private static void assertMessage(SerializationException e, String reason) {
    String m = e.getMessage();
    assertTrue(m.contains("topic '" + TOPIC + "'"), m);
    assertTrue(m.contains("PromptRequest"), m);
    assertTrue(m.contains(reason), m);
  }
}
