package io.equistream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo end to end (in-JVM broker, the service, the committed model): stdout is the story, logs go to the file. */
class DemoCommandTest {
  private static final Pattern LOG_LINE = Pattern.compile(
      "\\d{4}-\\d\\d-\\d\\dT\\d\\d:|\\b(TRACE|DEBUG|INFO|WARN|ERROR)\\b|Bootstrap metadata|Formatting metadata|kafka\\.");

  @Test
  void stdoutIsTheStoryAndTheFairPairsAreExactSwaps(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("report.html");
    Path log = dir.resolve("demo.log");
    CliTest.Run run = CliTest.run("demo", "--limit", "3", "--report", report.toString(), "--log", log.toString());
    assertEquals(0, run.exit(), run.err() + run.out());

    List<String> lines = run.out().lines().toList();
    assertTrue(lines.get(0).startsWith("[1/5] "), lines.get(0));
    for (String line : lines) {
      assertTrue(line.isEmpty() || line.startsWith("[") || line.startsWith("  "), "not a story line: " + line);
      assertTrue(!LOG_LINE.matcher(line).find(), "a library log line on stdout: " + line);
    }
    assertEquals(3, lines.stream().filter(l -> l.startsWith("    fair (multi) ") && l.endsWith("  exact swap")).count(),
        run.out());
    assertEquals(3, lines.stream().filter(l -> l.startsWith("    base ")).count(), run.out());
    assertTrue(run.out().contains("fair (multi):  breaks the swap in 0 of 3 pairs (0%)"), run.out());
    assertTrue(run.out().contains("  report: " + report.toAbsolutePath()), run.out());
    assertTrue(run.out().contains("  library logs: " + log.toAbsolutePath()), run.out());

    assertTrue(Files.readString(report).contains("<html"), "the HTML report is written");
    String logText = Files.readString(log);
    assertTrue(logText.contains("INFO io.equistream.stream.FairStreamsService"), "the service's log went to the file");
    assertTrue(logText.contains("Formatting metadata directory"), "the broker's stdout went to the file");
  }
}
