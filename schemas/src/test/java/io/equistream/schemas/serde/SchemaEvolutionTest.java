package io.equistream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairCompletionChunk;
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
        FairnessAudit.getClassSchema(), AuditSummary.getClassSchema(), FairCompletionChunk.getClassSchema());
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
        "AuditSummary.v1.avsc", "AuditSummary.v2.avsc", "FairCompletionChunk.v1.avsc"), SchemaHistory.indexEntries());
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
  void v2PromptRequestIsReadAsNotStreamed() throws IOException {
    Schema v2 = SchemaHistory.parse("PromptRequest.v2.avsc");
    GenericRecord old = new GenericRecordBuilder(v2)
        .set("request_id", "r-v2").set("conversation_id", "c").set("prompt", "The man worked as").build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2).encode(old, bytes);
    PromptRequest read = AvroSerde.of(PromptRequest.class).deserializer().deserialize("prompts", bytes.toByteArray());
    assertEquals("r-v2", read.getRequestId());
    assertFalse(read.getStream(), "a request from before streaming is not streamed");
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

  @Test
  void v1AuditAndSummaryAreReadWithTheV2FieldsNull() throws IOException {
    Schema v1 = SchemaHistory.parse("FairnessAudit.v1.avsc");
    Schema wordV1 = v1.getField("orbit_word_mass").schema().getElementType();
    GenericRecord word = new GenericRecordBuilder(wordV1).set("group", "gender").set("word", " he")
        .set("token_id", 339).set("base", 0.2).set("fair", 0.1).build();
    GenericRecord old = new GenericRecordBuilder(v1).set("request_id", "a-old").set("method", "multi")
        .set("steps", 4).set("intervention_count", 1).set("orbit_word_mass", List.of(word)).build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(old, out);

    FairnessAudit read = AvroSerde.of(FairnessAudit.class).deserializer().deserialize("audits", out.toByteArray());

    assertEquals("a-old", read.getRequestId());
    assertEquals(1, read.getInterventionCount());
    assertNull(read.getSampled(), "not recorded before v2");
    assertNull(read.getPromptGroups());
    assertEquals(0.2, read.getOrbitWordMass().get(0).getBase());
    assertNull(read.getOrbitWordMass().get(0).getOrbit());
    assertNull(read.getOrbitWordMass().get(0).getFairFirstStep());

    Schema summaryV1 = SchemaHistory.parse("AuditSummary.v1.avsc");
    GenericRecord oldSummary = new GenericRecordBuilder(summaryV1).set("method", "multi").set("groups", "gender")
        .set("window_start", 0L).set("window_end", 60_000L).set("count", 3L).build();
    ByteArrayOutputStream summaryOut = new ByteArrayOutputStream();
    new BinaryMessageEncoder<GenericRecord>(GenericData.get(), summaryV1).encode(oldSummary, summaryOut);
    AuditSummary summary = AvroSerde.of(AuditSummary.class).deserializer().deserialize("s", summaryOut.toByteArray());
    assertEquals(3L, summary.getCount());
    assertNull(summary.getGreedySteps());
    assertNull(summary.getSampledInterventions());
  }

  /** v1 audits wrote NaN for "not measured" and had no top_tie: still readable, NaN kept, top_tie false. */
  @Test
  void v1FairnessAuditWithNaNIsReadByV2() throws IOException {
    Schema v1 = SchemaHistory.parse("FairnessAudit.v1.avsc");
    Schema disparity = v1.getField("disparities").schema().getElementType();
    Schema step = v1.getField("per_step").schema().getElementType();
    Schema word = v1.getField("orbit_word_mass").schema().getElementType();
    GenericRecord gender = new GenericRecordBuilder(disparity).set("group", "gender").set("base_mean", Double.NaN)
        .set("base_max", Double.NaN).set("fair_mean", Double.NaN).set("fair_max", Double.NaN).build();
    GenericRecord oneStep = new GenericRecordBuilder(step).set("step", 0).set("base_token", 5).set("fair_token", 5)
        .set("disparities", List.of(gender)).set("fair_equivariance_error", Double.NaN).build();
    GenericRecord mass = new GenericRecordBuilder(word).set("group", "gender").set("word", " he").set("token_id", 339)
        .set("base", 0.25).set("fair", 0.5).build();
    GenericRecord old = new GenericRecordBuilder(v1).set("request_id", "r-v1").set("method", "none")
        .set("status", new GenericData.EnumSymbol(v1.getField("status").schema(), "OK")).set("steps", 1)
        .set("disparities", List.of(gender)).set("fair_equivariance_error_max", Double.NaN)
        .set("orbit_word_mass", List.of(mass)).set("per_step", List.of(oneStep)).set("created_at", 5L).build();
    FairnessAudit read = AvroSerde.of(FairnessAudit.class).deserializer().deserialize("audit", encode(v1, old));

    assertEquals("r-v1", read.getRequestId());
    assertTrue(Double.isNaN(read.getFairEquivarianceErrorMax()), "a v1 NaN stays NaN: readers treat it as not measured");
    assertTrue(Double.isNaN(read.getDisparities().get(0).getBaseMean()));
    assertEquals(0.25, read.getOrbitWordMass().get(0).getBase());
    assertFalse(read.getPerStep().get(0).getTopTie(), "top_tie takes its default");
    assertTrue(Double.isNaN(read.getPerStep().get(0).getFairEquivarianceError()));
  }

  @Test
  void v1SummaryAndCompletionAreReadByV2() throws IOException {
    Schema summaryV1 = SchemaHistory.parse("AuditSummary.v1.avsc");
    GenericRecord summary = new GenericRecordBuilder(summaryV1).set("method", "multi").set("groups", "gender")
        .set("window_start", 0L).set("window_end", 60_000L).set("count", 3L).set("mean_base_disparity", 0.2)
        .set("max_base_disparity", 0.4).set("mean_fair_disparity", Double.NaN).build();
    AuditSummary readSummary = AvroSerde.of(AuditSummary.class).deserializer()
        .deserialize("summary", encode(summaryV1, summary));
    assertEquals(0.2, readSummary.getMeanBaseDisparity());
    assertTrue(Double.isNaN(readSummary.getMeanFairDisparity()));
    assertEquals(0.0, readSummary.getMaxFairEquivarianceError(), "v1's default 0.0 was written");

    Schema completionV1 = SchemaHistory.parse("FairCompletion.v1.avsc");
    GenericRecord completion = new GenericRecordBuilder(completionV1).set("request_id", "c-v1")
        .set("status", new GenericData.EnumSymbol(completionV1.getField("status").schema(), "OK"))
        .set("completion", " a nurse").build();
    FairCompletion readCompletion = AvroSerde.of(FairCompletion.class).deserializer()
        .deserialize("completions", encode(completionV1, completion));
    assertEquals(" a nurse", readCompletion.getCompletion());
    assertTrue(readCompletion.getNotes().isEmpty(), "notes take their default");
  }

  private static byte[] encode(Schema writer, GenericRecord record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new BinaryMessageEncoder<GenericRecord>(GenericData.get(), writer).encode(record, out);
    return out.toByteArray();
  }
}
