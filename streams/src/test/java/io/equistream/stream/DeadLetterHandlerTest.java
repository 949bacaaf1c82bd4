package io.equistream.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.junit.jupiter.api.Test;

/** Dead letters stay small: a near-1 MB hostile record must not produce a record the broker refuses. */
class DeadLetterHandlerTest {
  private static DeadLetterHandler handler() {
    DeadLetterHandler handler = new DeadLetterHandler();
    handler.configure(Map.of("errors.dead.letter.queue.topic.name", "prompts-dlq"));
    return handler;
  }

  private static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value, RecordHeaders headers) {
    return new ConsumerRecord<>("prompts", 2, 77L, 1_000L, TimestampType.CREATE_TIME, key.length, value.length, key,
        value, headers, Optional.empty());
  }

  @Test
  void aHugePayloadIsTruncatedAndSaysSo() {
    byte[] value = new byte[1_000_000];
    Arrays.fill(value, (byte) 'v');
    RecordHeaders headers = new RecordHeaders();
    headers.add("big", new byte[600_000]);
    headers.add("small", "kept".getBytes(StandardCharsets.UTF_8));
    byte[] key = new byte[200_000];
    DeserializationExceptionHandler.Response response = handler().handleError(null, record(key, value, headers),
        new SerializationException("bad\nline\r\u001b[31m" + "x".repeat(100_000)));
    assertEquals(DeserializationExceptionHandler.Result.RESUME, response.result());
    List<ProducerRecord<byte[], byte[]>> dead = response.deadLetterQueueRecords();
    assertEquals(1, dead.size());
    ProducerRecord<byte[], byte[]> letter = dead.get(0);
    assertEquals("prompts-dlq", letter.topic());
    assertEquals(65_536, letter.value().length, "payload capped at equistream.dlq.max.payload.bytes");
    assertArrayEquals(Arrays.copyOf(value, 65_536), letter.value(), "the payload's beginning, byte for byte");
    assertTrue(letter.key().length <= 1_024, "key " + letter.key().length);
    String truncated = header(letter, "equistream.truncated");
    assertNotNull(truncated, "a header says the payload was cut");
    assertTrue(truncated.contains("1000000"), truncated);
    String reason = header(letter, "equistream.error");
    assertTrue(reason.length() <= 1_024 && !reason.contains("\n") && !reason.contains("\r")
        && !reason.contains("\u001b"), reason);
    assertEquals("prompts-2@77", header(letter, "equistream.origin"));
    assertEquals("kept", header(letter, "small"), "small original headers are kept");
    int total = letter.value().length + letter.key().length;
    for (Header h : letter.headers()) {
      total += h.key().length() + (h.value() == null ? 0 : h.value().length);
    }
    assertTrue(total < 80_000, "dead letter of " + total + " bytes");
  }

  @Test
  void smallPayloadsStayByteForByte() {
    byte[] value = "not avro".getBytes(StandardCharsets.UTF_8);
    ProducerRecord<byte[], byte[]> letter = handler().handleError(null, record(new byte[] {1}, value,
        new RecordHeaders()), new SerializationException("bad magic")).deadLetterQueueRecords().get(0);
    assertArrayEquals(value, letter.value());
    assertEquals(null, letter.headers().lastHeader("equistream.truncated"));
    assertEquals("bad magic", header(letter, "equistream.error"));
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    Header h = record.headers().lastHeader(name);
    return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
  }
}
