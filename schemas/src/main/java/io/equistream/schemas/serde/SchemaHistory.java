package io.equistream.schemas.serde;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;

/**
 * Every released writer schema, read from the classpath ({@code history/index.txt} lists the
 * {@code <Record>.v<N>.avsc} files). Why: the single-object decoder only resolves writer
 * schemas it has been told about, so old bytes on a topic stay readable only if their schema
 * is kept here. Each file must be self-contained (nested named types inlined).
 */
public final class SchemaHistory {
  static final String DIR = "/io/equistream/schemas/history/";
  private static final Map<String, List<Schema>> BY_NAME = load();

  private SchemaHistory() {}

  /** Released versions of the record with this full name, oldest first (empty if none). */
  public static List<Schema> versions(String fullName) {
    return BY_NAME.getOrDefault(fullName, List.of());
  }

  /** All released versions by record full name, oldest first. */
  public static Map<String, List<Schema>> all() {
    return BY_NAME;
  }

  private static Map<String, List<Schema>> load() {
    Map<String, List<Schema>> out = new LinkedHashMap<>();
    for (String file : indexEntries()) {
      Schema schema = parse(file);
      out.computeIfAbsent(schema.getFullName(), k -> new ArrayList<>()).add(schema);
    }
    out.replaceAll((k, v) -> Collections.unmodifiableList(v));
    return Collections.unmodifiableMap(out);
  }

  static List<String> indexEntries() {
    List<String> files = new ArrayList<>();
    try (InputStream in = open("index.txt");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        line = line.strip();
        if (!line.isEmpty() && !line.startsWith("#")) {
          files.add(line);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read schema history index", e);
    }
    return files;
  }

  static Schema parse(String file) {
    try (InputStream in = open(file)) {
      return new Schema.Parser().parse(in); // fresh parser: files must not depend on each other
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read schema history file " + file, e);
    }
  }

  private static InputStream open(String file) throws IOException {
    InputStream in = SchemaHistory.class.getResourceAsStream(DIR + file);
    if (in == null) {
      throw new IOException("missing classpath resource " + DIR + file);
    }
    return in;
  }
}
