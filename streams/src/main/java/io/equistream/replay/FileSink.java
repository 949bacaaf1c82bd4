package io.equistream.replay;

import io.equistream.schemas.serde.AvroJson;
import io.equistream.answer.CompletionRecords;
import java.nio.file.Path;
import java.util.List;

/**
 * Replay output as JSON lines: per request its FairCompletion line then its FairnessAudit line
 * (AvroJson, as {@code consume} prints them; {@code report --input} reads the audit lines and
 * skips the others). Each batch is fsynced before the checkpoint names it.
 */
final class FileSink implements AutoCloseable {
  private final DurableFile file;

  FileSink(Path path, long keepBytes) {
    this.file = new DurableFile(path, keepBytes);
  }

  /** Appends the batch and makes it durable; returns the file size to checkpoint. */
  long write(List<CompletionRecords.Answer> answers) {
    for (CompletionRecords.Answer answer : answers) {
      file.appendLine(AvroJson.toJson(answer.completion()));
      file.appendLine(AvroJson.toJson(answer.audit()));
    }
    return file.sync();
  }

  @Override
  public void close() {
    file.close();
  }
}
