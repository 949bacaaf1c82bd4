package io.equistream.audit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.FairnessAudit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {
  private static final Pattern REMOTE_REFERENCE =
      Pattern.compile("(?i)(src|href|xlink:href)\\s*=\\s*[\"']?\\s*(https?:)?//");

  @TempDir
  Path dir;

  @Test
  void jsonlReportIsSelfContainedWithChartsPerSection() throws Exception {
    List<SpecificRecord> lines = new ArrayList<>(AuditFixtures.realistic(90, 7));
    lines.add(AuditFixtures.completion("c-1")); // another record type: skipped and counted
    lines.add(AuditFixtures.summary("equitune", 0, 10, 0.1, 1e-7));
    lines.add(AuditFixtures.summary("multi", 60, 5, 0.2, 2e-7));
    Path input = AuditFixtures.writeJsonLines(dir.resolve("audits.jsonl"), lines);
    Path diff = AuditFixtures.writeDiff(dir.resolve("diff.json"));
    Path html = dir.resolve("out/report.html");

    ReportRun run = ReportRun.of("report", "--input", input.toString(), "--diff", diff.toString(),
        "--out", html.toString(), "--title", "Audit <week 11>");

    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains(html.toAbsolutePath().toString()), run.out());
    assertTrue(run.out().contains("90 audits, 2 summaries, 1 skipped"), run.out());
    assertTrue(run.err().contains("1 lines skipped"), run.err());
    String page = ReportRun.page(html);
    assertTrue(page.startsWith("<!DOCTYPE html>"));
    assertEquals(1, ReportRun.count(page, "<html"));
    assertFalse(REMOTE_REFERENCE.matcher(page).find(), "page must not reference remote resources");
    assertFalse(page.contains("http://") || page.contains("https://"));
    assertFalse(page.contains("<link") || page.contains("<script") || page.contains("<img"), "no external assets");
    assertTrue(page.contains("<title>Audit &lt;week 11&gt;</title>"));

    Map<String, String> sections = ReportRun.sections(page);
    assertEquals(List.of("disparity-removed", "disparity-over-time", "interventions", "orbit-word-probability",
        "throughput-latency", "cost", "windowed-summaries", "replay-diff"), List.copyOf(sections.keySet()));
    Map<String, Integer> chartsPerSection = Map.of("disparity-removed", 1, "disparity-over-time", 1,
        "interventions", 2, "orbit-word-probability", 2, "throughput-latency", 2, "cost", 1,
        "windowed-summaries", 1, "replay-diff", 1);
    chartsPerSection.forEach((id, charts) -> {
      String section = sections.get(id);
      assertEquals(charts, ReportRun.count(section, "<svg class=\"chart\""), id);
      assertTrue(section.contains("<h2>") && section.contains("class=\"explain\""), id);
      assertTrue(section.contains("class=\"legend\"") && section.contains("class=\"axis-label\""), id);
      assertTrue(ReportRun.count(section, "<title>") > charts, id + ": a hover title per bar/point");
    });
    assertTrue(sections.get("disparity-removed").contains("are left out and counted"));
  }

  @Test
  void escapesWordsCompletionsAndIds() throws Exception {
    Path input = AuditFixtures.writeJsonLines(dir.resolve("a.jsonl"), AuditFixtures.realistic(30, 3));
    Path html = dir.resolve("report.html");
    ReportRun run = ReportRun.of("report", "--input", input.toString(), "--diff",
        AuditFixtures.writeDiff(dir.resolve("d.json")).toString(), "--out", html.toString());

    assertEquals(0, run.exitCode(), run.err());
    String page = ReportRun.page(html);
    assertFalse(page.contains("<script"), "no script element, and user text is escaped");
    assertFalse(page.contains("<b>bold</b>"));
    assertTrue(page.contains("req-5&lt;b&gt;bold&lt;/b&gt;") || !page.contains("req-5"), "request id escaped");
    assertTrue(page.contains("\u2423&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"), "orbit word escaped");
    assertTrue(page.contains(" he said &lt;script&gt;alert(1)&lt;/script&gt; &amp; left"), "completion escaped");
    assertTrue(page.contains(" they said &quot;hi&quot; \u00e9\u4e2d\ud83d\ude00"), "Unicode kept");
  }

  @Test
  void numbersMatchHandComputedMeans() throws Exception {
    Path input = AuditFixtures.writeJsonLines(dir.resolve("small.jsonl"), AuditFixtures.handComputed());
    Path html = dir.resolve("small.html");
    assertEquals(0, ReportRun.of("report", "--input", input.toString(), "--out", html.toString()).exitCode());
    Map<String, String> sections = ReportRun.sections(ReportRun.page(html));

    // gender base (0.2 + 0.4 + 0.6) / 3 = 0.4, fair (0 + 0.002) / 2 = 0.001 (r3's NaN excluded, r4 has none)
    // race base (0.1 + 0.3) / 2 = 0.2, fair (0 + 0.004) / 2 = 0.002
    String disparity = sections.get("disparity-removed");
    assertTrue(disparity.contains("<td>gender</td><td class=\"num\">0.4000</td><td class=\"num\">0.0010</td>"
        + "<td class=\"num\">99.8%</td><td class=\"num\">3 / 2</td><td class=\"num\">0 / 1</td>"), disparity);
    assertTrue(disparity.contains("<td>race</td><td class=\"num\">0.2000</td><td class=\"num\">0.0020</td>"
        + "<td class=\"num\">99.0%</td><td class=\"num\">2 / 2</td><td class=\"num\">1 / 1</td>"), disparity);
    assertTrue(disparity.contains("<title>gender \u00b7 base model: 0.4000</title>"), "bar hover title");
    // interventions: equitune 2/10, multi 4/10, none 0/13; these audits do not say how they were decoded
    String interventions = sections.get("interventions");
    assertEquals(List.of(List.of("equitune", "not recorded", "1", "10", "2", "20.0%"),
        List.of("multi", "not recorded", "1", "10", "4", "40.0%"),
        List.of("none", "not recorded", "2", "13", "0", "0.0%")), ReportRun.tables(interventions).get(0));
    // orbit words of the fair methods only (none's r3, r4 carry none): he base (0.3 + 0.5) / 2 = 0.4, fair
    // (0.25 + 0.35) / 2 = 0.3; she base 0.15, fair 0.3; no prompt words, orbits or first steps recorded (v1)
    String words = sections.get("orbit-word-probability");
    assertEquals(List.of(
            List.of("gender", "prompt words not recorded", "not recorded", "\u2423he", "339", "2", "n/a", "n/a", "0.4000",
                "0.3000"),
            List.of("gender", "prompt words not recorded", "not recorded", "\u2423she", "673", "2", "n/a", "n/a",
                "0.1500", "0.3000")),
        ReportRun.rowsStartingWith(words, "gender"));
    // latency 100, 200, 300, 400 ms: mean 250, nearest-rank p50 200, p95 = p99 = max = 400
    assertTrue(sections.get("throughput-latency").contains("<td class=\"num\">250</td><td class=\"num\">200</td>"
        + "<td class=\"num\">400</td><td class=\"num\">400</td><td class=\"num\">400</td>"));
    // cost of the fair methods: forward 40 + 30 = 70 vs equitune without dedup 60 + 60 = 120, saved 41.7%;
    // none (8 + 5 sequences) is listed without a comparison
    String cost = sections.get("cost");
    assertEquals(List.of(List.of("equitune", "1", "40", "60", "33.3%"), List.of("multi", "1", "30", "60", "50.0%"),
        List.of("equitune + multi", "2", "70", "120", "41.7%"),
        List.of("none", "2", "13", "\u2014", "not compared (no fairness)")), ReportRun.tables(cost).get(0));
  }

  @Test
  void avroContainerGivesTheSameSectionsAsJsonLines() throws Exception {
    List<FairnessAudit> audits = AuditFixtures.realistic(40, 11);
    Path jsonl = AuditFixtures.writeJsonLines(dir.resolve("a.jsonl"), audits);
    Path avro = AuditFixtures.writeContainer(dir.resolve("a.avro"), audits);
    assertEquals(0, ReportRun.of("report", "--input", jsonl.toString(), "--out", dir.resolve("j.html").toString())
        .exitCode());
    ReportRun run = ReportRun.of("report", "--input", avro.toString(), "--out", dir.resolve("a.html").toString());
    assertEquals(0, run.exitCode(), run.err());
    assertTrue(run.out().contains("40 audits"), run.out());
    assertEquals(ReportRun.sections(ReportRun.page(dir.resolve("j.html"))),
        ReportRun.sections(ReportRun.page(dir.resolve("a.html"))));
  }

  @Test
  void severalInputsAreCombined() throws Exception {
    List<FairnessAudit> audits = AuditFixtures.handComputed();
    Path first = AuditFixtures.writeJsonLines(dir.resolve("first.jsonl"), audits.subList(0, 2));
    Path second = AuditFixtures.writeContainer(dir.resolve("second.avro"), audits.subList(2, 4));
    Path html = dir.resolve("both.html");
    assertEquals(0, ReportRun.of("report", "--input", first.toString(), second.toString(), "--out", html.toString())
        .exitCode());
    assertTrue(ReportRun.sections(ReportRun.page(html)).get("disparity-removed")
        .contains("<td>gender</td><td class=\"num\">0.4000</td>"));
  }

  @Test
  void emptyInputSaysNoAuditsWereFound() throws Exception {
    Path input = Files.writeString(dir.resolve("empty.jsonl"), "");
    Path html = dir.resolve("empty.html");
    ReportRun run = ReportRun.of("report", "--input", input.toString(), "--out", html.toString());
    assertEquals(0, run.exitCode(), run.err());
    String page = ReportRun.page(html);
    assertTrue(page.contains("No audits were found"));
    assertTrue(ReportRun.sections(page).isEmpty());
    assertTrue(page.endsWith("</html>\n"));
  }

  @Test
  void singleRecordRendersEverySection() throws Exception {
    Path input = AuditFixtures.writeJsonLines(dir.resolve("one.jsonl"), AuditFixtures.handComputed().subList(0, 1));
    Path html = dir.resolve("one.html");
    ReportRun run = ReportRun.of("report", "--input", input.toString(), "--out", html.toString());
    assertEquals(0, run.exitCode(), run.err());
    Map<String, String> sections = ReportRun.sections(ReportRun.page(html));
    assertEquals(List.of("disparity-removed", "disparity-over-time", "interventions", "orbit-word-probability",
        "throughput-latency", "cost"), List.copyOf(sections.keySet()));
    sections.forEach((id, s) -> assertTrue(s.contains("<svg class=\"chart\""), id));
    String all = String.join("", sections.values());
    assertFalse(all.contains("\"NaN") || all.contains("NaN\"") || all.contains(">NaN<") || all.contains(" NaN "),
        "no NaN coordinates or values");
  }

  @Test
  void missingInputIsOneClearErrorLine() {
    ReportRun run = ReportRun.of("report", "--input", dir.resolve("nope.jsonl").toString(),
        "--out", dir.resolve("x.html").toString());
    assertNotEquals(0, run.exitCode());
    assertEquals("error: input file " + dir.resolve("nope.jsonl") + " does not exist or is not a file",
        run.err().strip());
    assertFalse(Files.exists(dir.resolve("x.html")));
  }

  @Test
  void badDiffAndBadAvroAreClearErrors() throws Exception {
    Path input = AuditFixtures.writeJsonLines(dir.resolve("a.jsonl"), AuditFixtures.handComputed());
    ReportRun badDiff = ReportRun.of("report", "--input", input.toString(), "--diff",
        Files.writeString(dir.resolve("d.json"), "{\"requests\":[]}").toString(), "--out", dir.resolve("x.html").toString());
    assertNotEquals(0, badDiff.exitCode());
    assertTrue(badDiff.err().startsWith("error: diff file ") && badDiff.err().contains("\"totals\" object is missing"),
        badDiff.err());

    ReportRun badAvro = ReportRun.of("report", "--input", Files.writeString(dir.resolve("b.avro"), "junk").toString(),
        "--out", dir.resolve("x.html").toString());
    assertNotEquals(0, badAvro.exitCode());
    assertTrue(badAvro.err().contains("is not an Avro object container file"), badAvro.err());
  }

  @Test
  void inputAndBootstrapAreExclusive() {
    ReportRun run = ReportRun.of("report", "--input", "a.jsonl", "--bootstrap", "localhost:9092", "--out", "x.html");
    assertNotEquals(0, run.exitCode());
    assertTrue(run.err().contains("mutually exclusive"), run.err());
  }
}
