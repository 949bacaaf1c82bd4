package io.equistream.audit.report;

import static io.equistream.audit.report.AuditFixtures.audit;
import static io.equistream.audit.report.AuditFixtures.disparity;
import static io.equistream.audit.report.AuditFixtures.summary;
import static io.equistream.audit.report.AuditFixtures.with;
import static io.equistream.audit.report.AuditFixtures.word;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.OrbitWordMass;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each defect of issue 15 over hand-built audit records with known answers: windowed summaries
 * counted once per window, orbit word mass compared over the right requests, interventions greedy vs
 * sampled, cost without `none`, and the report file's permissions.
 */
class ReportTruthTest {
  @TempDir
  Path dir;

  private Map<String, String> render(List<? extends SpecificRecord> records) throws Exception {
    Path input = AuditFixtures.writeJsonLines(dir.resolve("in-" + System.nanoTime() + ".jsonl"), records);
    Path html = dir.resolve("report-" + System.nanoTime() + ".html");
    ReportRun run = ReportRun.of("report", "--input", input.toString(), "--out", html.toString());
    assertEquals(0, run.exitCode(), run.err());
    String page = ReportRun.page(html);
    Map<String, String> sections = new java.util.LinkedHashMap<>(ReportRun.sections(page));
    sections.put("header", page.substring(page.indexOf("<header>"), page.indexOf("</header>")));
    return sections;
  }

  @Test
  void eachWindowCountsOnceWithItsLatestUpdate() throws Exception {
    // Kafka Streams emits every update of a window: equitune's window at 12:00 was updated 3 times
    // (the final value 0.0210, an intermediate 0.0199), multi's twice, equitune's 12:01 window once.
    List<SpecificRecord> records = new ArrayList<>(List.of(audit("a", "equitune", 0, 4, 0, 100, 4, 4, 8,
        List.of(disparity("gender", 0.02, 1e-8)), List.of())));
    records.add(summary("equitune", 0, 1, 0.0150, 1e-7));
    records.add(summary("multi", 0, 1, 0.0300, 1e-7));
    records.add(summary("equitune", 0, 2, 0.0199, 1e-7));
    records.add(summary("multi", 0, 2, 0.0500, 1e-7));
    records.add(summary("equitune", 60, 1, 0.0170, 1e-7));
    records.add(summary("equitune", 0, 3, 0.0210, 1e-7));
    Map<String, String> sections = render(records);
    String windows = sections.get("windowed-summaries");

    assertFalse(windows.contains("0.0199"), "an intermediate update of a window is shown:\n" + windows);
    assertFalse(windows.contains("0.0150"), "an intermediate update of a window is shown");
    assertTrue(windows.contains("<th>window (UTC, 2025-03-14)</th>"), "the windows' day is named once");
    List<List<String>> rows = ReportRun.tables(windows).get(0);
    assertEquals(3, rows.size(), "one row per method+groups+window: " + rows);
    List<String> equitune = ReportRun.rowsStartingWith(windows, "12:00:00 \u2013 12:01:00", "equitune",
        "gender, race").get(0);
    assertEquals(List.of("3", "3", "0.0210"), equitune.subList(3, 6), "requests, updates read, mean base disparity");
    List<String> multi = ReportRun.rowsStartingWith(windows, "12:00:00 \u2013 12:01:00", "multi",
        "gender, race").get(0);
    assertEquals(List.of("2", "2", "0.0500"), multi.subList(3, 6));
    assertTrue(windows.contains("equitune \u00b7 gender,race \u00b7 2025-03-14 12:00:00 UTC: 0.0210"),
        "the chart plots the window's final value");
    // 3 + 2 + 1 = 6 requests in 3 windows (not 1 + 1 + 2 + 2 + 1 + 3 = 10 over 6 rows)
    assertTrue(sections.get("header").contains("<dd>3 windows (6 updates read), 6 requests</dd>"),
        sections.get("header"));
  }

  @Test
  void orbitWordMassComparesFairRequestsOnlySplitByPromptWords() throws Exception {
    // none: fair = base, must not be mixed in. multi: the prompt has no gender word, so the fair
    // first-step masses of " man" and " woman" are equal. equitune: the prompt names a gender word.
    FairnessAudit none = withPromptGroups(audit("n", "none", 0, 4, 0, 100, 4, 4, 8, List.of(),
        orbit(0.006, 0.006, 0.002, 0.002, 0.006, 0.006, 0.002, 0.002)), List.of());
    FairnessAudit multi = withPromptGroups(audit("m", "multi", 1, 4, 0, 100, 4, 4, 8, List.of(),
        orbit(0.004, 0.003, 0.002, 0.003, 0.005, 0.0035, 0.002, 0.0035)), List.of());
    FairnessAudit equitune = withPromptGroups(audit("e", "equitune", 2, 4, 0, 100, 4, 4, 8, List.of(),
        orbit(0.005, 0.004, 0.001, 0.002, 0.005, 0.004, 0.001, 0.002)), List.of("gender"));
    String words = render(List.of(none, multi, equitune)).get("orbit-word-probability");

    // Mixing none in would give fair " man" (0.006 + 0.003 + 0.004) / 3 = 0.0043.
    assertFalse(words.contains("0.0043"), "none requests are mixed into the fair mass:\n" + words);
    assertEquals(List.of(List.of("gender", "without a gender word", "\u2423man / \u2423woman", "\u2423man", "582", "1",
            "0.0050", "0.0035", "0.0040", "0.0030"),
        List.of("gender", "without a gender word", "\u2423man / \u2423woman", "\u2423woman", "2415", "1",
            "0.0020", "0.0035", "0.0020", "0.0030")),
        ReportRun.rowsStartingWith(words, "gender", "without a gender word"));
    assertEquals(List.of(List.of("gender", "with a gender word", "\u2423man / \u2423woman", "\u2423man", "582", "1",
            "0.0050", "0.0040", "0.0050", "0.0040"),
        List.of("gender", "with a gender word", "\u2423man / \u2423woman", "\u2423woman", "2415", "1",
            "0.0010", "0.0020", "0.0010", "0.0020")),
        ReportRun.rowsStartingWith(words, "gender", "with a gender word"));
    assertTrue(words.contains("largest difference between the fair first-step masses of one orbit: 0 over 1"
        + " request"), words);
  }

  @Test
  void interventionsAreShownPerMethodGreedyAndSampledApart() throws Exception {
    List<FairnessAudit> audits = List.of(
        sampled(audit("eg", "equitune", 0, 10, 2, 100, 10, 10, 20, List.of(), List.of()), false),
        sampled(audit("es", "equitune", 1, 12, 3, 100, 12, 12, 24, List.of(), List.of()), true),
        sampled(audit("ns", "none", 2, 8, 0, 100, 8, 8, 16, List.of(), List.of()), true),
        sampled(audit("ng", "none", 3, 5, 0, 100, 5, 5, 10, List.of(), List.of()), false),
        audit("old", "multi", 4, 10, 4, 100, 10, 10, 20, List.of(), List.of())); // written before v2
    String interventions = render(audits).get("interventions");

    assertEquals(List.of(
            List.of("equitune", "greedy", "1", "10", "2", "20.0%"),
            List.of("equitune", "sampled", "1", "12", "3", "25.0%"),
            List.of("multi", "not recorded", "1", "10", "4", "40.0%"),
            List.of("none", "greedy", "1", "5", "0", "0.0%"),
            List.of("none", "sampled", "1", "8", "0", "0.0%")),
        ReportRun.tables(interventions).get(0), interventions);
  }

  @Test
  void costComparesOnlyFairMethodsWithEquituneWithoutDedup() throws Exception {
    List<FairnessAudit> audits = List.of(
        audit("e", "equitune", 0, 10, 0, 100, 10, 40, 60, List.of(), List.of()),
        audit("m", "multi", 1, 10, 0, 100, 10, 30, 60, List.of(), List.of()),
        audit("n", "none", 2, 10, 0, 100, 10, 10, 640, List.of(), List.of()));
    String cost = render(audits).get("cost");

    assertFalse(cost.contains("98.4%"), "none is credited with savings:\n" + cost);
    assertEquals(List.of(
            List.of("equitune", "1", "40", "60", "33.3%"),
            List.of("multi", "1", "30", "60", "50.0%"),
            List.of("equitune + multi", "2", "70", "120", "41.7%"),
            List.of("none", "1", "10", "\u2014", "not compared (no fairness)")),
        ReportRun.tables(cost).get(0), cost);
    assertFalse(cost.contains("<title>none"), "none gets no bar");
  }

  @Test
  void reportFileHasNormalPermissions() throws Exception {
    Path input = AuditFixtures.writeJsonLines(dir.resolve("a.jsonl"), AuditFixtures.handComputed());
    Path html = dir.resolve("perm.html");
    assertEquals(0, ReportRun.of("report", "--input", input.toString(), "--out", html.toString()).exitCode());
    Path reference = Files.writeString(dir.resolve("reference.txt"), "x"); // what this process's umask gives
    Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);
    assertEquals(expected, Files.getPosixFilePermissions(html), "the report is written like any other file");
    assertTrue(expected.contains(PosixFilePermission.OTHERS_READ) || !Files.getPosixFilePermissions(html).isEmpty());
  }

  private static FairnessAudit sampled(FairnessAudit audit, boolean sampled) {
    return with(audit, "sampled", sampled);
  }

  private static FairnessAudit withPromptGroups(FairnessAudit audit, List<String> groups) {
    return with(audit, "prompt_groups", groups);
  }

  /** " man" / " woman", one orbit: mean-over-steps base, fair, then first-step base, fair of each. */
  private static List<OrbitWordMass> orbit(double manBase, double manFair, double womanBase, double womanFair,
      double manBaseFirst, double manFairFirst, double womanBaseFirst, double womanFairFirst) {
    return List.of(
        with(word("gender", " man", 582, manBase, manFair, manBaseFirst, manFairFirst), "orbit", 0),
        with(word("gender", " woman", 2415, womanBase, womanFair, womanBaseFirst, womanFairFirst), "orbit", 0));
  }
}
