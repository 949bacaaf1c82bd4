package io.equistream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairCompletionChunk;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** What a client written from the published .avsc files and the README relies on. */
class SchemaContractTest {
  private static final Path README = Path.of("..", "README.md");
  /** A README table row: | `Record` | vN | `0x<16 hex>` | `C3 01 xx xx xx xx xx xx xx xx` | */
  private static final Pattern ROW = Pattern.compile(
      "^\\|\\s*`(\\w+)`\\s*\\|\\s*v(\\d+)(?: \\(current\\))?\\s*\\|\\s*`0x([0-9a-f]{16})`\\s*\\|\\s*`(C3 01(?: [0-9A-F]{2}){8})`\\s*\\|",
      Pattern.MULTILINE);

  /** Not measured (method none, no step) is null, so every measured-or-not double is a union with null. */
  @Test
  void notMeasuredValuesAreNullableDoubles() {
    Schema audit = FairnessAudit.getClassSchema();
    Schema disparity = audit.getField("disparities").schema().getElementType();
    for (String field : List.of("base_mean", "base_max", "fair_mean", "fair_max")) {
      assertNullableDouble(disparity, field);
    }
    assertNullableDouble(audit, "fair_equivariance_error_max");
    Schema step = audit.getField("per_step").schema().getElementType();
    assertNullableDouble(step, "fair_equivariance_error");
    Schema word = audit.getField("orbit_word_mass").schema().getElementType();
    assertNullableDouble(word, "base");
    assertNullableDouble(word, "fair");
    for (String field : List.of("mean_base_disparity", "max_base_disparity", "mean_fair_disparity",
        "max_fair_equivariance_error")) {
      assertNullableDouble(AuditSummary.getClassSchema(), field);
    }
  }

  @Test
  void auditStepsFlagTies() {
    Schema step = FairnessAudit.getClassSchema().getField("per_step").schema().getElementType();
    Schema.Field topTie = step.getField("top_tie");
    assertNotNull(topTie, "AuditStep.top_tie (the README's tie flag)");
    assertEquals(Schema.Type.BOOLEAN, topTie.schema().getType());
    assertEquals(false, topTie.defaultVal());
  }

  @Test
  void completionsCarryDeliveryNotes() throws IOException {
    Schema.Field notes = FairCompletion.getClassSchema().getField("notes");
    assertNotNull(notes, "FairCompletion.notes");
    assertEquals(Schema.Type.ARRAY, notes.schema().getType());
    assertTrue(notes.hasDefaultValue(), "older completions are read with no notes");
    int v1Fields = SchemaHistory.versions(FairCompletion.getClassSchema().getFullName()).get(0).getFields().size();
    assertTrue(notes.pos() >= v1Fields, "new fields go after every v1 field");
  }

  /** The README's fingerprint table is a test vector: every released version, exactly as the code computes it. */
  @Test
  void readmePublishesEverySchemaFingerprint() throws IOException {
    assertTrue(Files.isRegularFile(README), README.toAbsolutePath().toString());
    Matcher rows = ROW.matcher(Files.readString(README));
    Map<String, String[]> published = new LinkedHashMap<>();
    while (rows.find()) {
      published.put(rows.group(1) + ".v" + rows.group(2), new String[] {rows.group(3), rows.group(4)});
    }
    List<String> expected = new ArrayList<>();
    for (Schema current : List.of(PromptRequest.getClassSchema(), FairCompletion.getClassSchema(),
        FairnessAudit.getClassSchema(), AuditSummary.getClassSchema(), FairCompletionChunk.getClassSchema())) {
      List<Schema> versions = SchemaHistory.versions(current.getFullName());
      for (int v = 0; v < versions.size(); v++) {
        String key = current.getName() + ".v" + (v + 1);
        expected.add(key);
        long fingerprint = AvroSerde.fingerprint(versions.get(v));
        String[] row = published.get(key);
        assertNotNull(row, "README lacks a fingerprint row for " + key + ": | `" + current.getName() + "` | v" + (v + 1)
            + " | `0x" + String.format("%016x", fingerprint) + "` | `" + header(fingerprint) + "` |");
        assertEquals(String.format("%016x", fingerprint), row[0], key + " fingerprint");
        assertEquals(header(fingerprint), row[1], key + " header bytes");
      }
      assertEquals(AvroSerde.fingerprint(current),
          AvroSerde.fingerprint(versions.get(versions.size() - 1)), current.getName() + " current = newest");
    }
    assertEquals(expected, List.copyOf(published.keySet()), "README rows, in history order");
    assertFalse(published.isEmpty());
  }

  private static String header(long fingerprint) {
    byte[] bytes = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN).put((byte) 0xC3).put((byte) 0x01)
        .putLong(fingerprint).array();
    return HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bytes);
  }

  private static void assertNullableDouble(Schema record, String field) {
    Schema.Field f = record.getField(field);
    assertNotNull(f, record.getName() + "." + field);
    Schema type = f.schema();
    assertEquals(Schema.Type.UNION, type.getType(), record.getName() + "." + field + " must be nullable");
    assertEquals(Schema.Type.NULL, type.getTypes().get(0).getType(), record.getName() + "." + field + ": null first");
    assertEquals(Schema.Type.DOUBLE, type.getTypes().get(1).getType(), record.getName() + "." + field);
    assertTrue(f.hasDefaultValue() && f.defaultVal() == org.apache.avro.JsonProperties.NULL_VALUE,
        record.getName() + "." + field + " defaults to null");
  }
}
