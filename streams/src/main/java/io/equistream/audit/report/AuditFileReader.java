package io.equistream.audit.report;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.serde.AvroJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Reads audit files: {@code .jsonl} (one {@link AvroJson} record per line; FairnessAudit and
 * AuditSummary lines are kept, other lines are counted as skipped) or {@code .avro} (an Avro object
 * container file of FairnessAudit or AuditSummary).
 */
final class AuditFileReader {
  private static final int PROGRESS_EVERY = 10_000;
  private final PrintStream progress;

  AuditFileReader(PrintStream progress) {
    this.progress = progress;
  }

  void read(Path file, AuditInput into) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("input file " + file + " does not exist or is not a file");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    try {
      if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
        readJsonLines(file, into);
      } else if (name.endsWith(".avro")) {
        readContainer(file, into);
      } else {
        throw new IllegalArgumentException("input file " + file
            + ": unknown type, expected .jsonl (AvroJson lines) or .avro (Avro object container file)");
      }
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("input file " + file + " does not exist");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read input file " + file + ": " + e.getMessage(), e);
    }
  }

  private void readJsonLines(Path file, AuditInput into) throws IOException {
    long audits = 0;
    long summaries = 0;
    long skipped = 0;
    String firstSkip = null;
    long lineNumber = 0;
    try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (String line; (line = lines.readLine()) != null; ) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        try {
          into.audits.add(AvroJson.fromJson(line, FairnessAudit.class));
          audits++;
        } catch (IllegalArgumentException notAudit) {
          try {
            into.summaries.add(AvroJson.fromJson(line, AuditSummary.class));
            summaries++;
          } catch (IllegalArgumentException notSummary) {
            skipped++;
            if (firstSkip == null) {
              firstSkip = "line " + lineNumber + ": " + notAudit.getMessage();
            }
          }
        }
        if ((audits + summaries + skipped) % PROGRESS_EVERY == 0) {
          progress.println(file + ": " + (audits + summaries + skipped) + " lines read");
        }
      }
    }
    into.skipped += skipped;
    String line = file + ": " + audits + " audits, " + summaries + " summaries, " + skipped
        + " lines skipped (not FairnessAudit or AuditSummary)";
    into.sources.add(line);
    progress.println(line + (firstSkip == null ? "" : "; first skipped " + firstSkip));
  }

  private void readContainer(Path file, AuditInput into) throws IOException {
    Schema writer;
    try (InputStream in = Files.newInputStream(file);
        DataFileStream<GenericRecord> header = new DataFileStream<>(in, new GenericDatumReader<>())) {
      writer = header.getSchema();
    } catch (IOException e) {
      throw new IllegalArgumentException("input file " + file + " is not an Avro object container file ("
          + e.getMessage() + ")", e);
    }
    long count = 0;
    if (writer.getFullName().equals(FairnessAudit.getClassSchema().getFullName())) {
      try (DataFileReader<FairnessAudit> records =
          new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(FairnessAudit.class))) {
        for (FairnessAudit audit : records) {
          into.audits.add(audit);
          count = progress(file, ++count);
        }
      }
      into.sources.add(file + ": " + count + " audits");
    } else if (writer.getFullName().equals(AuditSummary.getClassSchema().getFullName())) {
      try (DataFileReader<AuditSummary> records =
          new DataFileReader<>(file.toFile(), new SpecificDatumReader<>(AuditSummary.class))) {
        for (AuditSummary summary : records) {
          into.summaries.add(summary);
          count = progress(file, ++count);
        }
      }
      into.sources.add(file + ": " + count + " summaries");
    } else {
      throw new IllegalArgumentException("input file " + file + " holds " + writer.getFullName()
          + " records, expected io.equistream.schemas.FairnessAudit");
    }
    progress.println(into.sources.get(into.sources.size() - 1));
  }

  private long progress(Path file, long count) {
    if (count % PROGRESS_EVERY == 0) {
      progress.println(file + ": " + count + " records read");
    }
    return count;
  }
}
