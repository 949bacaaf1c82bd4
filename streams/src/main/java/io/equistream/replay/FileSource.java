package io.equistream.replay;

import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Prompts from a file: {@code .jsonl} (one PromptRequest per line, AvroJson as {@code produce}
 * takes it; position = lines consumed) or {@code .avro} (an Avro object container file of
 * PromptRequest; position = records consumed). Blank lines are skipped; unreadable lines become
 * unreadable items (counted and reported, as the service would dead-letter them).
 */
final class FileSource implements ReplaySource {
  private final Path file;
  private final boolean avro;
  private final long total;
  private BufferedReader lines;
  private DataFileReader<PromptRequest> records;
  private long next;

  FileSource(Path file, long resumeAt) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("input file " + file + " does not exist or is not a file");
    }
    this.file = file;
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    this.avro = name.endsWith(".avro");
    if (!avro && !(name.endsWith(".jsonl") || name.endsWith(".json") || name.endsWith(".ndjson"))) {
      throw new IllegalArgumentException("input file " + file
          + ": unknown type, expected .jsonl (PromptRequest JSON lines) or .avro (Avro object container)");
    }
    try {
      if (avro) {
        records = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(PromptRequest.class));
        long count = 0;
        try (DataFileReader<PromptRequest> counter = new DataFileReader<>(file.toFile(),
            new SpecificDatumReader<>(PromptRequest.class))) {
          while (counter.hasNext()) {
            counter.next();
            count++;
          }
        }
        total = count;
        while (next < resumeAt && records.hasNext()) {
          records.next();
          next++;
        }
      } else {
        try (var stream = Files.lines(file, StandardCharsets.UTF_8)) {
          total = stream.count();
        }
        lines = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        while (next < resumeAt && lines.readLine() != null) {
          next++;
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read input file " + file + ": " + e.getMessage(), e);
    }
    if (next < resumeAt) {
      throw new IllegalArgumentException("input file " + file + " has only " + next
          + " entries but the state file says " + resumeAt + " were replayed: was the file changed?");
    }
  }

  @Override
  public long total() {
    return total;
  }

  @Override
  public long consumed() {
    return next;
  }

  @Override
  public List<ReplayItem> next(int max) {
    List<ReplayItem> out = new ArrayList<>();
    try {
      while (out.size() < max) {
        if (avro) {
          if (!records.hasNext()) {
            break;
          }
          String where = file.getFileName() + " record " + (next + 1);
          try {
            PromptRequest request = records.next();
            next++;
            out.add(ReplayItem.of(request, where));
          } catch (RuntimeException e) {
            next++;
            out.add(ReplayItem.unreadable(e.getMessage(), where));
          }
        } else {
          String line = lines.readLine();
          if (line == null) {
            break;
          }
          next++;
          if (line.isBlank()) {
            continue;
          }
          String where = file.getFileName() + " line " + next;
          try {
            out.add(ReplayItem.of(AvroJson.fromJson(line, PromptRequest.class), where));
          } catch (RuntimeException e) {
            out.add(ReplayItem.unreadable(e.getMessage(), where));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return out;
  }

  @Override
  public Map<String, Long> position() {
    return Map.of(avro ? "record" : "line", next);
  }

  @Override
  public String describe() {
    return "file:" + file.toAbsolutePath().normalize();
  }

  @Override
  public void close() {
    try {
      if (lines != null) {
        lines.close();
      }
      if (records != null) {
        records.close();
      }
    } catch (IOException e) {
      // read-only input: nothing is lost
    }
  }
}
