package io.equistream.audit.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay diff section over a hand-built diff: it names what changed, shows the prompts, and
 * compares per group and per request only where both runs measured the value.
 */
class ReplayDiffSectionTest {
  /**
   * q1 and q2 were run over 4 groups and replayed over gender only; q3 has no original. The file's own
   * totals average 4 groups before and 1 group after, over different requests (the misleading view).
   */
  static final String DIFF = """
      {"totals":{"requests":3,"unchanged":1,"changed":1,"no_original":1,"mean_base_disparity_before":0.2,
        "mean_base_disparity_after":0.2233,"mean_fair_disparity_before":1e-8,"mean_fair_disparity_after":2e-8},
       "requests":[
        {"request_id":"q1","status":"changed","prompt":"The man worked as a",
         "original_completion":" doctor","replay_completion":" nurse",
         "original_method":"multi","replay_method":"multi",
         "original_groups":["gender","race","religion","orientation"],"replay_groups":["gender"],
         "original_model":"tiny-gpt2","replay_model":"tiny-gpt2","original_aggregate":"probs","replay_aggregate":"probs",
         "base_disparity_before":0.25,"base_disparity_after":0.12,"fair_disparity_before":1e-8,"fair_disparity_after":2e-8,
         "groups_before":[{"group":"gender","base":0.10,"fair":1e-8},{"group":"race","base":0.20,"fair":1e-8},
           {"group":"religion","base":0.30,"fair":1e-8},{"group":"orientation","base":0.40,"fair":1e-8}],
         "groups_after":[{"group":"gender","base":0.12,"fair":2e-8}]},
        {"request_id":"q2","status":"unchanged","prompt":"The Black woman was",
         "original_completion":" a","replay_completion":" a",
         "original_method":"multi","replay_method":"multi",
         "original_groups":["gender","race","religion","orientation"],"replay_groups":["gender"],
         "original_model":"tiny-gpt2","replay_model":"tiny-gpt2","original_aggregate":"probs","replay_aggregate":"probs",
         "base_disparity_before":0.15,"base_disparity_after":0.05,"fair_disparity_before":3e-8,"fair_disparity_after":4e-8,
         "groups_before":[{"group":"gender","base":0.06,"fair":3e-8},{"group":"race","base":0.24,"fair":3e-8}],
         "groups_after":[{"group":"gender","base":0.05,"fair":4e-8}]},
        {"request_id":"q3","status":"no_original","prompt":"A new prompt","original_completion":null,
         "replay_completion":" x","original_method":null,"replay_method":"multi","replay_groups":["gender"],
         "replay_model":"tiny-gpt2","replay_aggregate":"probs",
         "base_disparity_before":null,"base_disparity_after":0.5,"fair_disparity_before":null,"fair_disparity_after":0.0,
         "groups_after":[{"group":"gender","base":0.5,"fair":0.0}]}
       ]}
      """;

  @TempDir
  Path dir;

  @Test
  void namesTheChangeShowsPromptsAndComparesMatchingSets() throws Exception {
    Path diff = Files.writeString(dir.resolve("diff.json"), DIFF, StandardCharsets.UTF_8);
    Path input = AuditFixtures.writeJsonLines(dir.resolve("a.jsonl"), AuditFixtures.handComputed());
    Path html = dir.resolve("r.html");
    ReportRun run = ReportRun.of("report", "--input", input.toString(), "--diff", diff.toString(), "--out",
        html.toString());
    assertEquals(0, run.exitCode(), run.err());
    String section = ReportRun.sections(ReportRun.page(html)).get("replay-diff");

    assertTrue(section.contains("The man worked as a") && section.contains("The Black woman was"),
        "prompts are shown:\n" + section);
    assertEquals(List.of(List.of("groups", "gender, race, religion, orientation", "gender", "2")),
        ReportRun.rowsStartingWith(section, "groups"), "what changed, for how many requests");
    assertTrue(section.contains("Replayed with changed groups"), section);
    assertEquals(List.of(List.of("method", "multi", "multi (unchanged)", "2")),
        ReportRun.rowsStartingWith(section, "method"));
    // gender, measured in both runs for q1 and q2: base (0.10 + 0.06) / 2 = 0.08 -> (0.12 + 0.05) / 2 = 0.085;
    // q3 (no original) measured it in the replay only: left out
    assertEquals(List.of(List.of("gender", "2", "0.0800", "0.0850", "2.00e-08", "3.00e-08", "1")),
        ReportRun.rowsStartingWith(section, "gender"));
    // race: measured only in the original run, so nothing is compared and 2 values are left out
    assertEquals(List.of(List.of("race", "0", "n/a", "n/a", "n/a", "n/a", "2")),
        ReportRun.rowsStartingWith(section, "race"));
    // per request over the groups both runs measured (gender only): q1 0.10 -> 0.12, q2 0.06 -> 0.05
    List<String> q1 = ReportRun.rowsStartingWith(section, "q1").get(0);
    assertEquals(List.of("q1", "The man worked as a", "changed", "doctor", "nurse", "0.1000 \u2192 0.1200"),
        q1.subList(0, 6));
    assertFalse(section.contains("0.2233"), "the file's unlike-set means are not shown as a comparison");
    assertEquals(List.of("q3", "A new prompt", "no original", "", "x", "n/a"),
        ReportRun.rowsStartingWith(section, "q3").get(0).subList(0, 6));
  }

  @Test
  void aDiffWithoutTheNewFieldsStillRenders() throws Exception {
    Path diff = AuditFixtures.writeDiff(dir.resolve("old.json"));
    Path input = AuditFixtures.writeJsonLines(dir.resolve("a.jsonl"), AuditFixtures.handComputed());
    Path html = dir.resolve("r.html");
    assertEquals(0, ReportRun.of("report", "--input", input.toString(), "--diff", diff.toString(), "--out",
        html.toString()).exitCode());
    String section = ReportRun.sections(ReportRun.page(html)).get("replay-diff");
    assertTrue(section.contains("not recorded"), section);
    // per-request means as the file has them, where both runs measured base and fair (req-2 has no fair after):
    // base (0.1 + 0.06) / 2 = 0.08 -> (0.1 + 0.05) / 2 = 0.075, fair 0 -> 0, 1 request left out
    assertEquals(List.of("all groups (per-request means)", "2", "0.0800", "0.0750", "0", "0", "1"),
        ReportRun.rowsStartingWith(section, "all groups (per-request means)").get(0));
  }
}
