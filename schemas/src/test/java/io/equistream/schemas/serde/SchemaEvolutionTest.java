package io.equistream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SchemaEvolutionTest {
  /** Records written to topics: each must have its current schema released in history/. */
  static Stream<Schema> topicSchemas() {
    return Stream.of(PromptRequest.getClassSchema(), FairCompletion.getClassSchema(),
        FairnessAudit.getClassSchema(), AuditSummary.getClassSchema());
  }

  @ParameterizedTest(name = "{index}: {0}")
  @MethodSource("topicSchemas")
  void newestHistoryVersionIsTheCompiledSchema(Schema compiled) throws IOException {
    List<Schema> versions = SchemaHistory.versions(compiled.getFullName());
    assertFalse(versions.isEmpty(), "no history/" + compiled.getName() + ".v1.avsc in history/index.txt");
    Schema newest = versions.get(versions.size() - 1);
    assertEquals(withoutJavaProps(compiled), withoutJavaProps(newest), compiled.getName() + " changed: add history/" + compiled.getName()
        + ".v" + (versions.size() + 1) + ".avsc (a copy of the new schema) and list it in history/index.txt");
    assertEquals(AvroSerde.fingerprint(compiled), AvroSerde.fingerprint(newest));
  }

  /**
   * Schema.equals compares names, types, defaults, order and custom props (not docs); the
   * compiled schema carries codegen's "avro.java.string" props, which history files omit.
   */
  static Schema withoutJavaProps(Schema schema) throws IOException {
    JsonNode tree = new ObjectMapper().readTree(schema.toString());
    tree.findParents("avro.java.string").forEach(n -> ((ObjectNode) n).remove("avro.java.string"));
    return new Schema.Parser().parse(tree.toString());
  }

  @Test
  void everyReleasedVersionIsReadableByTheCurrentSchema() {
    Map<String, List<Schema>> all = SchemaHistory.all();
    assertEquals(List.of("PromptRequest.v1.avsc", "PromptRequest.v2.avsc", "PromptRequest.v3.avsc",
        "FairCompletion.v1.avsc", "FairCompletion.v2.avsc", "FairnessAudit.v1.avsc", "FairnessAudit.v2.avsc",
        "AuditSummary.v1.avsc"), SchemaHistory.indexEntries());
    topicSchemas().forEach(current -> {
      for (Schema old : all.get(current.getFullName())) {
        SchemaCompatibility.SchemaPairCompatibility c =
            SchemaCompatibility.checkReaderWriterCompatibility(current, old);
        assertEquals(SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE, c.getType(),
            current.getName() + ": " + c.getDescription());
      }
    });
  }

  @Test
  void v1PromptRequestIsReadWithNewFieldsAtDefaults() throws IOException {
    Schema v1 = SchemaHistory.parse("PromptRequest.v1.avsc");
    assertNotEquals(AvroSerde.fingerprint(v1), AvroSerde.fingerprint(PromptRequest.getClassSchema()));
    GenericRecord old = new GenericRecordBuilder(v1)
        .set("request_id", "r-old").set("conversation_id", "c-old").set("prompt", "The woman worked as")
        .set("max_new_tokens", 5).set("temperature", 0.5).set("seed", 99L).set("method", "multi")
        .set("groups", List.of("gender")).set("created_at", 1_234L)
        .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old, out);

    PromptRequest read = AvroSerde.of(PromptRequest.class).deserializer().deserialize("requests", out.toByteArray());

    assertEquals("r-old", read.getRequestId());
    assertEquals("c-old", read.getConversationId());
    assertEquals("The woman worked as", read.getPrompt());
    assertEquals(5, read.getMaxNewTokens());
    assertEquals(0.5, read.getTemperature());
    assertEquals(0, read.getTopK());
    assertEquals(1.0, read.getTopP());
    assertEquals(99L, read.getSeed());
    assertEquals("multi", read.getMethod());
    assertEquals(List.of("gender"), read.getGroups());
    assertNull(read.getReplyTopic());
    assertEquals(Instant.ofEpochMilli(1_234L), read.getCreatedAt());
    // fields added in v2 and v3 take their defaults
    assertNull(read.getAggregate());
    assertNull(read.getStop());
    assertTrue(read.getMetadata().isEmpty());
    assertFalse(read.getFirstStepCounterfactuals());
  }

  @Test
  void v1CompletionAndAuditAreReadWithoutASampledElement() throws IOException {
    for (String file : List.of("FairCompletion.v1.avsc", "FairnessAudit.v1.avsc")) {
      Schema v1 = SchemaHistory.parse(file);
      GenericRecord old = new GenericRecordBuilder(v1).set("request_id", "r-" + file).build();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old, out);
      if (file.startsWith("FairCompletion")) {
        FairCompletion read = AvroSerde.of(FairCompletion.class).deserializer().deserialize("c", out.toByteArray());
        assertEquals("r-" + file, read.getRequestId());
        assertNull(read.getSampledElement());
      } else {
        FairnessAudit read = AvroSerde.of(FairnessAudit.class).deserializer().deserialize("a", out.toByteArray());
        assertEquals("r-" + file, read.getRequestId());
        assertNull(read.getSampledElement());
        assertFalse(read.getFirstStepCounterfactuals());
      }
    }
  }
}
