package io.equistream.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps the demo's stdout for the story: while open (and not verbose), everything else the process
 * prints through System.out and System.err (slf4j-simple, which looks System.err up on every line;
 * the in-JVM broker's formatter, which prints to System.out; Kafka, DJL, ONNX Runtime's Java side)
 * goes to a log file instead. Closing restores both streams.
 */
final class DemoLog implements AutoCloseable {
  private final PrintStream story;
  private final PrintStream originalErr;
  private final PrintStream file;
  private final Path path;

  private DemoLog(PrintStream story, PrintStream originalErr, PrintStream file, Path path) {
    this.story = story;
    this.originalErr = originalErr;
    this.file = file;
    this.path = path;
  }

  /** Verbose: nothing is redirected and there is no log file. */
  static DemoLog open(boolean verbose, Path logFile) throws IOException {
    PrintStream story = System.out;
    if (verbose) {
      return new DemoLog(story, System.err, null, null);
    }
    Path absolute = logFile.toAbsolutePath();
    Files.createDirectories(absolute.getParent());
    OutputStream out = Files.newOutputStream(absolute);
    PrintStream file = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream originalErr = System.err;
    System.setOut(file);
    System.setErr(file);
    return new DemoLog(story, originalErr, file, absolute);
  }

  /** Where the story goes: the stdout the demo started with. */
  PrintStream story() {
    return story;
  }

  /** The log file, or null when verbose. */
  Path path() {
    return path;
  }

  @Override
  public void close() {
    if (file != null) {
      System.setOut(story);
      System.setErr(originalErr);
      file.close();
    }
  }
}
