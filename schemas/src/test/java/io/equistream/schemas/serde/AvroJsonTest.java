package io.equistream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AvroJsonTest {
  @Test
  void minimalRequestLineTakesDefaults() {
    PromptRequest r = AvroJson.fromJson("{\"request_id\":\"r1\",\"prompt\":\"The man worked as\"}", PromptRequest.class);
    assertEquals("r1", r.getRequestId());
    assertEquals("The man worked as", r.getPrompt());
    assertEquals("", r.getConversationId());
    assertNull(r.getMaxNewTokens());
    assertEquals(0.0, r.getTemperature());
    assertEquals(0, r.getTopK());
    assertEquals(1.0, r.getTopP());
    assertNull(r.getSeed());
    assertNull(r.getMethod());
    assertEquals(List.of(), r.getGroups());
    assertNull(r.getAggregate());
    assertNull(r.getStop());
    assertNull(r.getReplyTopic());
    assertEquals(Instant.EPOCH, r.getCreatedAt());
    assertTrue(r.getMetadata().isEmpty());
  }

  @Test
  void minimalCompletionHasConservativeStatus() {
    FairCompletion c = AvroJson.fromJson("{\"request_id\":\"r1\"}", FairCompletion.class);
    assertEquals(CompletionStatus.FAILED, c.getStatus());
    assertEquals(0L, c.getForwardSequences());
  }

  static Stream<SpecificRecord> records() {
    return Samples.all().stream();
  }

  @ParameterizedTest(name = "{index}: {0}")
  @MethodSource("records")
  void roundTrips(SpecificRecord record) {
    String json = AvroJson.toJson(record);
    assertFalse(json.contains("\n"), json);
    assertEquals(record, AvroJson.fromJson(json, record.getClass()));
  }

  @Test
  void writesUnionsAndTimestampsPlainly() {
    String json = AvroJson.toJson(Samples.promptRequest());
    assertTrue(json.contains("\"seed\":7"), json);
    assertTrue(json.contains("\"max_new_tokens\":12"), json);
    assertTrue(json.contains("\"method\":\"equitune\""), json);
    assertTrue(json.contains("\"created_at\":" + Samples.T0.toEpochMilli()), json);
    assertTrue(AvroJson.toJson(Samples.completion()).contains("\"status\":\"OK\""));
  }

  @Test
  void acceptsAvroWrappedUnionsAndIsoTimestamps() {
    PromptRequest r = AvroJson.fromJson("{\"request_id\":\"r1\",\"prompt\":\"p\",\"seed\":{\"long\":7},"
        + "\"method\":null,\"created_at\":\"2023-11-14T22:13:20.123Z\",\"metadata\":{\"a\":\"b\"}}", PromptRequest.class);
    assertEquals(7L, r.getSeed());
    assertNull(r.getMethod());
    assertEquals(Samples.T0, r.getCreatedAt());
    assertEquals("b", r.getMetadata().get("a"));
  }

  @Test
  void reportsTheOffendingField() {
    assertMessage("{\"prompt\":\"p\"}", "PromptRequest.request_id: required field is missing");
    assertMessage("{\"request_id\":\"r1\",\"prompt\":\"p\",\"max_tokens\":3}", "PromptRequest.max_tokens: unknown field");
    assertMessage("{\"request_id\":\"r1\",\"prompt\":\"p\",\"top_k\":\"many\"}", "PromptRequest.top_k: expected int");
    assertMessage("{\"request_id\":\"r1\",\"prompt\":\"p\",\"groups\":[\"gender\",3]}", "PromptRequest.groups[1]: expected string");
    assertMessage("{\"request_id\":\"r1\",\"prompt\":\"p\",\"seed\":1.5}", "PromptRequest.seed: expected null or long");
    assertMessage("{\"request_id\":", "not valid JSON");
    assertMessage("", "empty JSON input");
  }

  private static void assertMessage(String json, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AvroJson.fromJson(json, PromptRequest.class));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
