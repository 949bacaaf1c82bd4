package io.equistream.replay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** An append-only text file whose appends become durable at {@link #sync()}; opened cut to a checkpoint size. */
final class DurableFile implements AutoCloseable {
  private final Path path;
  private final FileChannel channel;

  /** Opens the file, cutting it to {@code keepBytes} (a partial batch after the last checkpoint is dropped). */
  DurableFile(Path path, long keepBytes) {
    this.path = path;
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      this.channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      long size = channel.size();
      if (size < keepBytes) {
        channel.close();
        throw new IllegalStateException(path + " has " + size + " bytes but the state file recorded " + keepBytes
            + " durable bytes: the output was changed or lost; delete the state file to start over");
      }
      channel.truncate(keepBytes);
      channel.position(keepBytes);
      channel.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + path + ": " + e.getMessage(), e);
    }
  }

  void appendLine(String line) {
    try {
      ByteBuffer buffer = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
    }
  }

  /** Flushes to disk (fsync) and returns the durable size. */
  long sync() {
    try {
      channel.force(true);
      return channel.position();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot sync " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close " + path + ": " + e.getMessage(), e);
    }
  }
}
