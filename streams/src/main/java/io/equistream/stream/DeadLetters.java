package io.equistream.stream;

import io.equistream.answer.PrintableText;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Dead letters are bounded, so a hostile record near the broker's size limit cannot produce a dead
 * letter the broker refuses (under exactly-once that would fail the transaction and loop): the
 * payload keeps its first {@code equistream.dlq.max.payload.bytes} bytes, with
 * {@value #TRUNCATED_HEADER} saying how big it was; the key keeps {@value #MAX_KEY_BYTES} bytes;
 * original headers are copied up to {@value #MAX_COPIED_HEADER_BYTES} bytes ({@value #DROPPED_HEADER}
 * counts the rest); the reason is one log-safe line of at most {@value #MAX_REASON_CHARS} characters.
 */
public final class DeadLetters {
  /** Kafka property (set by ServiceConfig.kafkaProperties) that carries the payload cap to the handlers. */
  public static final String MAX_PAYLOAD_CONFIG = "equistream.dlq.max.payload.bytes";
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 65_536;
  public static final String ERROR_HEADER = "equistream.error";
  public static final String ORIGIN_HEADER = "equistream.origin";
  public static final String TRUNCATED_HEADER = "equistream.truncated";
  public static final String DROPPED_HEADER = "equistream.headers.dropped";
  static final int MAX_KEY_BYTES = 1_024;
  static final int MAX_COPIED_HEADER_BYTES = 4_096;
  static final int MAX_REASON_CHARS = 1_000;

  private DeadLetters() {
  }

  /** The payload cap from a handler's configs (the default when absent). */
  public static int maxPayloadBytes(java.util.Map<String, ?> configs) {
    Object value = configs.get(MAX_PAYLOAD_CONFIG);
    return value == null ? DEFAULT_MAX_PAYLOAD_BYTES : Integer.parseInt(value.toString().trim());
  }

  public static byte[] payload(byte[] value, int maxBytes) {
    return value == null || value.length <= maxBytes ? value : Arrays.copyOf(value, maxBytes);
  }

  public static byte[] key(byte[] key) {
    return key == null || key.length <= MAX_KEY_BYTES ? key : Arrays.copyOf(key, MAX_KEY_BYTES);
  }

  /** A String key (the processor's) cut to at most {@value #MAX_KEY_BYTES} UTF-8 bytes' worth of characters. */
  public static String key(String key) {
    return key == null || key.length() <= MAX_KEY_BYTES / 4 ? key : key.substring(0, MAX_KEY_BYTES / 4);
  }

  /** One log-safe line: the form every dead-letter reason is logged and written in. */
  public static String reason(String reason) {
    return PrintableText.oneLine(reason, MAX_REASON_CHARS);
  }

  /**
   * The dead letter's headers: the original ones up to the budget, then the reason, origin and,
   * when the payload or key was cut, what was cut.
   */
  public static Headers headers(Headers original, String reason, String origin, byte[] value, byte[] key,
      int maxPayloadBytes) {
    RecordHeaders headers = new RecordHeaders();
    int copied = 0;
    int dropped = 0;
    if (original != null) {
      for (Header h : original) {
        int size = h.key().length() + (h.value() == null ? 0 : h.value().length);
        if (h.key().startsWith("equistream.") || copied + size > MAX_COPIED_HEADER_BYTES) {
          dropped++; // ours are rewritten below, so a caller cannot forge them
          continue;
        }
        headers.add(h);
        copied += size;
      }
    }
    headers.add(ERROR_HEADER, reason(reason).getBytes(StandardCharsets.UTF_8));
    if (origin != null) {
      headers.add(ORIGIN_HEADER, origin.getBytes(StandardCharsets.UTF_8));
    }
    if (value != null && value.length > maxPayloadBytes) {
      headers.add(TRUNCATED_HEADER, ("payload of " + value.length + " bytes cut to its first " + maxPayloadBytes
          + " (equistream.dlq.max.payload.bytes)").getBytes(StandardCharsets.UTF_8));
    }
    if (key != null && key.length > MAX_KEY_BYTES) {
      headers.add("equistream.key.truncated", ("key of " + key.length + " bytes cut to its first " + MAX_KEY_BYTES)
          .getBytes(StandardCharsets.UTF_8));
    }
    if (dropped > 0) {
      headers.add(DROPPED_HEADER, String.valueOf(dropped).getBytes(StandardCharsets.UTF_8));
    }
    return headers;
  }
}
