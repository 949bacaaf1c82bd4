package io.equistream.schemas.serde;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Records as plain one-line JSON, for CLIs ({@code produce}/{@code consume}) and logs. Why not
 * Avro's JsonEncoder: it wraps union values ({@code "seed":{"long":7}}) and needs every field.
 * Here unions are written plainly ({@code "seed":7}), timestamps as epoch millis (ISO-8601
 * strings are also accepted), and on reading missing fields take their schema defaults;
 * a missing field without default or an unknown field is an {@link IllegalArgumentException}
 * naming the field. Works on raw Avro values (via one binary round trip) so logical types and
 * specific classes need no special casing.
 */
public final class AvroJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final GenericData RAW = new GenericData(); // no conversions: timestamps stay long

  private AvroJson() {}

  /** One-line plain JSON of the record. */
  public static String toJson(SpecificRecord record) {
    Schema schema = record.getSchema();
    byte[] bytes = toBinary(schema, SpecificData.getForClass(record.getClass()), record);
    try {
      Object raw = new GenericDatumReader<>(schema, schema, RAW)
          .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
      return MAPPER.writeValueAsString(toNode(raw, schema));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses one plain-JSON line into a record of the given generated class. */
  public static <T extends SpecificRecord> T fromJson(String json, Class<T> type) {
    SpecificData model = SpecificData.getForClass(type);
    Schema schema = model.getSchema(type);
    JsonNode node;
    try {
      node = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (node == null || node.isMissingNode()) {
      throw new IllegalArgumentException("empty JSON input");
    }
    Object raw = fromNode(node, schema, schema.getName());
    byte[] bytes = toBinary(schema, RAW, raw);
    try {
      return new SpecificDatumReader<T>(schema, schema, model)
          .read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] toBinary(Schema schema, GenericData model, Object datum) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
    try {
      new GenericDatumWriter<Object>(schema, model).write(datum, enc);
      enc.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  // ---- raw Avro value -> JSON ----

  private static JsonNode toNode(Object v, Schema s) {
    switch (s.getType()) {
      case NULL: return NODES.nullNode();
      case BOOLEAN: return NODES.booleanNode((Boolean) v);
      case INT: return NODES.numberNode((Integer) v);
      case LONG: return NODES.numberNode((Long) v);
      case FLOAT: return finite(((Float) v).doubleValue()) ? NODES.numberNode((Float) v) : NODES.textNode(v.toString());
      case DOUBLE: return finite((Double) v) ? NODES.numberNode((Double) v) : NODES.textNode(v.toString());
      case STRING: return NODES.textNode(v.toString());
      case ENUM: return NODES.textNode(((GenericEnumSymbol<?>) v).toString());
      case BYTES: return NODES.textNode(latin1(((ByteBuffer) v).duplicate()));
      case FIXED: return NODES.textNode(new String(((GenericFixed) v).bytes(), StandardCharsets.ISO_8859_1));
      case UNION: return toNode(v, s.getTypes().get(RAW.resolveUnion(s, v)));
      case ARRAY: {
        ArrayNode a = NODES.arrayNode();
        for (Object item : (Collection<?>) v) {
          a.add(toNode(item, s.getElementType()));
        }
        return a;
      }
      case MAP: {
        ObjectNode o = NODES.objectNode();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
          o.set(e.getKey().toString(), toNode(e.getValue(), s.getValueType()));
        }
        return o;
      }
      case RECORD: {
        GenericRecord r = (GenericRecord) v;
        ObjectNode o = NODES.objectNode();
        for (Schema.Field f : s.getFields()) {
          o.set(f.name(), toNode(r.get(f.pos()), f.schema()));
        }
        return o;
      }
      default: throw new IllegalStateException("unsupported Avro type " + s.getType());
    }
  }

  private static boolean finite(double d) {
    return !Double.isNaN(d) && !Double.isInfinite(d);
  }

  private static String latin1(ByteBuffer b) {
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  // ---- JSON -> raw Avro value (missing record fields take schema defaults) ----

  private static Object fromNode(JsonNode n, Schema s, String path) {
    switch (s.getType()) {
      case NULL:
        if (n.isNull()) return null;
        break;
      case BOOLEAN:
        if (n.isBoolean()) return n.booleanValue();
        break;
      case INT:
        if (n.isIntegralNumber() && n.canConvertToInt()) return n.intValue();
        break;
      case LONG:
        if (n.isIntegralNumber() && n.canConvertToLong()) return n.longValue();
        if (n.isTextual() && s.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
          try {
            return Instant.parse(n.textValue()).toEpochMilli();
          } catch (DateTimeParseException e) {
            throw bad(path, "expected epoch millis or ISO-8601 instant but got " + n);
          }
        }
        break;
      case FLOAT:
      case DOUBLE: {
        Double d = n.isNumber() ? Double.valueOf(n.doubleValue()) : n.isTextual() ? special(n.textValue()) : null;
        if (d != null) return s.getType() == Schema.Type.FLOAT ? (Object) d.floatValue() : d;
        break;
      }
      case STRING:
        if (n.isTextual()) return n.textValue();
        break;
      case BYTES:
        if (n.isTextual()) return ByteBuffer.wrap(n.textValue().getBytes(StandardCharsets.ISO_8859_1));
        break;
      case FIXED:
        if (n.isTextual() && n.textValue().length() == s.getFixedSize()) {
          return new GenericData.Fixed(s, n.textValue().getBytes(StandardCharsets.ISO_8859_1));
        }
        break;
      case ENUM:
        if (n.isTextual() && s.hasEnumSymbol(n.textValue())) return new GenericData.EnumSymbol(s, n.textValue());
        if (n.isTextual()) throw bad(path, "unknown symbol " + n + ", expected one of " + s.getEnumSymbols());
        break;
      case ARRAY:
        if (n.isArray()) {
          List<Object> out = new ArrayList<>(n.size());
          for (int i = 0; i < n.size(); i++) {
            out.add(fromNode(n.get(i), s.getElementType(), path + "[" + i + "]"));
          }
          return out;
        }
        break;
      case MAP:
        if (n.isObject()) {
          Map<String, Object> out = new HashMap<>();
          for (Map.Entry<String, JsonNode> e : n.properties()) {
            out.put(e.getKey(), fromNode(e.getValue(), s.getValueType(), path + "." + e.getKey()));
          }
          return out;
        }
        break;
      case UNION:
        return fromUnion(n, s, path);
      case RECORD:
        if (n.isObject()) return fromRecord(n, s, path);
        break;
      default:
        break;
    }
    throw bad(path, "expected " + describe(s) + " but got " + abbreviate(n));
  }

  private static GenericRecord fromRecord(JsonNode n, Schema s, String path) {
    GenericData.Record r = new GenericData.Record(s);
    for (Schema.Field f : s.getFields()) {
      JsonNode v = n.get(f.name());
      if (v != null) {
        r.put(f.pos(), fromNode(v, f.schema(), path + "." + f.name()));
      } else if (f.hasDefaultValue()) {
        r.put(f.pos(), RAW.getDefaultValue(f));
      } else {
        throw bad(path + "." + f.name(), "required field is missing");
      }
    }
    for (Map.Entry<String, JsonNode> e : n.properties()) {
      String name = e.getKey();
      if (s.getField(name) == null) {
        throw bad(path + "." + name, "unknown field (known: " + fieldNames(s) + ")");
      }
    }
    return r;
  }

  private static Object fromUnion(JsonNode n, Schema s, String path) {
    // Also accept Avro's own wrapped form {"long": 7} when it cannot be a map or record value.
    if (n.isObject() && n.size() == 1 && s.getTypes().stream().noneMatch(AvroJson::isObjectLike)) {
      String branch = n.properties().iterator().next().getKey();
      for (Schema b : s.getTypes()) {
        if (b.getFullName().equals(branch) || b.getType().getName().equals(branch)) {
          return fromNode(n.get(branch), b, path);
        }
      }
    }
    for (Schema b : s.getTypes()) {
      try {
        return fromNode(n, b, path);
      } catch (IllegalArgumentException ignored) {
        // try the next branch
      }
    }
    throw bad(path, "expected " + describe(s) + " but got " + abbreviate(n));
  }

  private static boolean isObjectLike(Schema s) {
    return s.getType() == Schema.Type.MAP || s.getType() == Schema.Type.RECORD;
  }

  private static Double special(String text) {
    switch (text) {
      case "NaN": return Double.NaN;
      case "Infinity": return Double.POSITIVE_INFINITY;
      case "-Infinity": return Double.NEGATIVE_INFINITY;
      default: return null;
    }
  }

  private static String describe(Schema s) {
    if (s.getType() == Schema.Type.UNION) {
      List<String> names = new ArrayList<>();
      s.getTypes().forEach(b -> names.add(describe(b)));
      return String.join(" or ", names);
    }
    return s.getType() == Schema.Type.RECORD || s.getType() == Schema.Type.ENUM
        ? s.getType().getName() + " " + s.getName() : s.getType().getName();
  }

  private static List<String> fieldNames(Schema s) {
    List<String> names = new ArrayList<>();
    s.getFields().forEach(f -> names.add(f.name()));
    return names;
  }

  private static String abbreviate(JsonNode n) {
    String text = n.toString();
    return text.length() > 60 ? text.substring(0, 57) + "..." : text;
  }

  private static IllegalArgumentException bad(String path, String message) {
    return new IllegalArgumentException(path + ": " + message);
  }
}
