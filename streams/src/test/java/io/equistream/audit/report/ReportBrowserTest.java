package io.equistream.audit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders a real report in headless Chromium: the page must load without console messages, show
 * every section, and produce a non-trivial screenshot (kept as target/report-screenshot.png).
 */
class ReportBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final long TIMEOUT_SECONDS = 60;

  @TempDir
  Path dir;

  @BeforeAll
  static void requireChromium() {
    if (!Files.isExecutable(CHROMIUM)) {
      if (System.getenv("CI") != null) {
        fail(CHROMIUM + " is missing: install the Debian package 'chromium' (apt-get install -y chromium)"
            + " so the report's browser test can run");
      }
      Assumptions.abort(CHROMIUM + " not installed (apt-get install -y chromium); skipping the browser test");
    }
  }

  @Test
  void reportRendersInChromiumWithoutConsoleErrors() throws Exception {
    List<SpecificRecord> lines = new ArrayList<>(AuditFixtures.realistic(150, 7));
    lines.add(AuditFixtures.summary("equitune", 0, 10, 0.1, 1e-7));
    lines.add(AuditFixtures.summary("multi", 60, 5, 0.2, 2e-7));
    lines.add(AuditFixtures.summary("equitune", 120, 8, 0.15, 1e-7));
    Path input = AuditFixtures.writeJsonLines(dir.resolve("audits.jsonl"), lines);
    Path diff = Files.writeString(dir.resolve("diff.json"), ReplayDiffSectionTest.DIFF
        .replace("\"original_completion\":\" doctor\"", "\"original_completion\":\" he said <script>alert(1)</script>\""));
    Path html = dir.resolve("report.html");
    ReportRun run = ReportRun.of("report", "--input", input.toString(), "--diff", diff.toString(),
        "--out", html.toString());
    assertEquals(0, run.exitCode(), run.err());

    Path screenshot = targetDir().resolve("report-screenshot.png");
    Files.deleteIfExists(screenshot);
    Chromium shot = chromium(html, "--screenshot=" + screenshot.toAbsolutePath(), "--window-size=1280,4000");
    assertTrue(Files.exists(screenshot), "no screenshot; chromium stderr:\n" + shot.stderr());
    assertTrue(Files.size(screenshot) > 10_000, "screenshot is only " + Files.size(screenshot) + " bytes");
    assertEquals(List.of(), shot.consoleLines(), "console messages while rendering the screenshot");

    Chromium dom = chromium(html, "--dump-dom");
    assertEquals(List.of(), dom.consoleLines(), "console messages while rendering the DOM");
    for (String id : List.of("disparity-removed", "disparity-over-time", "interventions", "orbit-word-probability",
        "throughput-latency", "cost", "windowed-summaries", "replay-diff")) {
      assertTrue(dom.stdout().contains("<section id=\"" + id + "\">"), "rendered DOM lacks section " + id);
    }
    assertEquals(ReportRun.count(ReportRun.page(html), "<svg class=\"chart\""),
        ReportRun.count(dom.stdout(), "<svg class=\"chart\""), "every chart survives parsing");
    assertTrue(dom.stdout().contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "escaped text stays text");
  }

  /** The console scan itself works: a page that logs is caught. */
  @Test
  void consoleScanCatchesPageErrors() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.html"),
        "<!DOCTYPE html><html><body><p>x</p><script>console.error('boom'); missingFunction();</script></body></html>");
    Chromium dom = chromium(bad, "--dump-dom");
    assertEquals(2, dom.consoleLines().size(), dom.stderr());
  }

  record Chromium(String stdout, String stderr) {
    /** Console messages logged by a page loaded from a file (Chromium's own dbus/GPU/sandbox noise is ignored). */
    List<String> consoleLines() {
      return stderr.lines().filter(l -> l.contains(":CONSOLE") && l.contains("source: file://")).toList();
    }
  }

  private Chromium chromium(Path page, String... mode) throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory(dir, "chromium-profile");
    Path stdout = dir.resolve("chromium-" + System.nanoTime() + ".out");
    Path stderr = dir.resolve("chromium-" + System.nanoTime() + ".err");
    List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"));
    command.addAll(List.of(mode));
    command.add(page.toUri().toString());
    Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      fail("chromium did not finish within " + TIMEOUT_SECONDS + " s: " + command);
    }
    return new Chromium(Files.readString(stdout, StandardCharsets.UTF_8), Files.readString(stderr, StandardCharsets.UTF_8));
  }

  /** The module's build directory (tests run with the repository root as working directory). */
  private static Path targetDir() throws IOException {
    Path target = Files.isDirectory(Path.of("streams/target")) ? Path.of("streams/target") : Path.of("target");
    return Files.createDirectories(target);
  }
}
