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
    assertTrue(sections.get("disparity-removed").contains("excluded"));
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
    // interventions: equitune 2/10, multi 4/10, none 0/13
    String interventions = sections.get("interventions");
    assertTrue(interventions.contains("<td>equitune</td><td class=\"num\">1</td><td class=\"num\">10</td>"
        + "<td class=\"num\">2</td><td class=\"num\">20.0%</td>"), interventions);
    assertTrue(interventions.contains("<td>multi</td><td class=\"num\">1</td><td class=\"num\">10</td>"
        + "<td class=\"num\">4</td><td class=\"num\">40.0%</td>"), interventions);
    assertTrue(interventions.contains("<td>none</td><td class=\"num\">2</td><td class=\"num\">13</td>"
        + "<td class=\"num\">0</td><td class=\"num\">0.0%</td>"), interventions);
    // orbit words: he base (0.3 + 0.5) / 2 = 0.4, fair (0.25 + 0.35) / 2 = 0.3; she base 0.15, fair 0.3
    String words = sections.get("orbit-word-probability");
    assertTrue(words.contains("<td>gender</td><td>\u2423he</td><td class=\"num\">339</td><td class=\"num\">0.4000</td>"
        + "<td class=\"num\">0.3000</td><td class=\"num\">2</td>"), words);
    assertTrue(words.contains("<td>gender</td><td>\u2423she</td><td class=\"num\">673</td><td class=\"num\">0.1500</td>"
        + "<td class=\"num\">0.3000</td><td class=\"num\">2</td>"), words);
    // latency 100, 200, 300, 400 ms: mean 250, nearest-rank p50 200, p95 = p99 = max = 400
    assertTrue(sections.get("throughput-latency").contains("<td class=\"num\">250</td><td class=\"num\">200</td>"
        + "<td class=\"num\">400</td><td class=\"num\">400</td><td class=\"num\">400</td>"));
    // cost: forward 40+30+8+5 = 83 vs naive 60+60+8+5 = 133, saved 1 - 83/133 = 37.6%
    String cost = sections.get("cost");
    assertTrue(cost.contains("<td>equitune</td><td class=\"num\">1</td><td class=\"num\">40</td>"
        + "<td class=\"num\">60</td><td class=\"num\">33.3%</td>"), cost);
    assertTrue(cost.contains("<td>all</td><td class=\"num\">4</td><td class=\"num\">83</td>"
        + "<td class=\"num\">133</td><td class=\"num\">37.6%</td>"), cost);
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
