package io.equistream.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.equistream.TestAssets;
import io.equistream.cli.EquiStreamCli;
import io.equistream.decode.FairEngine;
import io.equistream.decode.GenerationParams;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replay command on files, with the real tiny model: changed-config diff, resume, report. */
class ReplayCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  static int replay(String... args) {
    List<String> all = new ArrayList<>(List.of("replay", "--model", TestAssets.TINY_MODEL.toString(),
        "--groups-file", TestAssets.GROUPS.toString(), "--set", "equistream.threads=2"));
    all.addAll(List.of(args));
    StringWriter err = new StringWriter();
    int exit = EquiStreamCli.execute(new PrintWriter(err, true), all.toArray(String[]::new));
    if (exit != 0) {
      System.err.println(err);
    }
    return exit;
  }

  static Path promptsFile(Path file, List<PromptRequest> requests) throws Exception {
    List<String> lines = new ArrayList<>();
    for (PromptRequest r : requests) {
      lines.add(AvroJson.toJson(r));
    }
    Files.write(file, lines, StandardCharsets.UTF_8);
    return file;
  }

  static PromptRequest greedy(String id, String prompt, int tokens) {
    return PromptRequest.newBuilder().setRequestId(id).setPrompt(prompt).setMaxNewTokens(tokens)
        .setMethod("multi").setGroups(List.of("gender")).build();
  }

  static Map<String, FairCompletion> completions(Path file) throws Exception {
    Map<String, FairCompletion> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.contains("\"completion_token_ids\"")) {
        FairCompletion c = AvroJson.fromJson(line, FairCompletion.class);
        assertFalse(out.containsKey(c.getRequestId()), "duplicate " + c.getRequestId());
        out.put(c.getRequestId(), c);
      }
    }
    return out;
  }

  static Map<String, FairnessAudit> audits(Path file) throws Exception {
    Map<String, FairnessAudit> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.contains("\"per_step\"")) {
        FairnessAudit a = AvroJson.fromJson(line, FairnessAudit.class);
        out.put(a.getRequestId(), a);
      }
    }
    return out;
  }

  /**
   * Built to change: greedy multi-over-gender originals replayed with --method none. Whether each
   * completion changes is computed independently through the engine (none vs multi); the fair
   * disparity before is ~0 (multi is exactly equivariant), after is absent (none measures nothing),
   * and the base disparity before is the original audit's gender base_mean.
   */
  @Test
  void methodNoneAgainstMultiGivesTheExpectedDiffAndTheReportRendersIt() throws Exception {
    String[] prompts = {"The man worked as", "The woman worked as", "He was known for", "She was described as",
        "The boy had a job as", "My father was regarded as", "The table was", "It was known for"};
    List<PromptRequest> requests = new ArrayList<>();
    for (int i = 0; i < prompts.length; i++) {
      requests.add(greedy("c" + i, prompts[i], 4));
    }
    Path input = promptsFile(dir.resolve("prompts.jsonl"), requests);
    Path original = dir.resolve("original.jsonl");
    Path replayed = dir.resolve("none.jsonl");
    Path diffFile = dir.resolve("diff.json");
    assertEquals(0, replay("--from-file", input.toString(), "--to-file", original.toString(), "--batch-size", "3"));
    assertEquals(0, replay("--from-file", input.toString(), "--to-file", replayed.toString(), "--method", "none",
        "--compare", original.toString(), "--diff-out", diffFile.toString()));

    // Expected classification, straight from the engine.
    FairEngine engine = TestAssets.tinyEngine();
    Map<String, Boolean> expectChanged = new LinkedHashMap<>();
    for (PromptRequest r : requests) {
      int[] multi = engine.generate(List.of(engine.resolver().resolve(r.getRequestId(), r.getPrompt(),
          GenerationParams.greedy(4), "multi", List.of("gender"), "probs"))).get(0).completionIds();
      int[] none = engine.generate(List.of(engine.resolver().resolve(r.getRequestId(), r.getPrompt(),
          GenerationParams.greedy(4), "none", List.of("gender"), "probs"))).get(0).completionIds();
      expectChanged.put(r.getRequestId(), !java.util.Arrays.equals(multi, none));
    }
    long expectedChanged = expectChanged.values().stream().filter(b -> b).count();
    assertTrue(expectedChanged > 0 && expectedChanged < prompts.length,
        "the case should contain changed and unchanged requests: " + expectChanged);

    Map<String, FairCompletion> before = completions(original);
    Map<String, FairnessAudit> beforeAudits = audits(original);
    Map<String, FairCompletion> after = completions(replayed);
    JsonNode diff = JSON.readTree(diffFile.toFile());
    JsonNode totals = diff.get("totals");
    assertEquals(prompts.length, totals.get("requests").asLong());
    assertEquals(expectedChanged, totals.get("changed").asLong());
    assertEquals(prompts.length - expectedChanged, totals.get("unchanged").asLong());
    assertTrue(totals.get("mean_fair_disparity_after").isNull(), "none has no fair disparity");
    assertTrue(totals.get("mean_base_disparity_after").isNull(), "none measures no base disparity");
    assertTrue(totals.get("mean_fair_disparity_before").asDouble() < 1e-5, totals.toString());
    double baseSum = 0;
    assertEquals(prompts.length, diff.get("requests").size());
    for (JsonNode r : diff.get("requests")) {
      String id = r.get("request_id").asText();
      assertEquals(expectChanged.get(id) ? "changed" : "unchanged", r.get("status").asText(), id);
      assertEquals(before.get(id).getCompletion(), r.get("original_completion").asText());
      assertEquals(after.get(id).getCompletion(), r.get("replay_completion").asText());
      assertEquals("none", after.get(id).getMethod());
      double base = beforeAudits.get(id).getDisparities().get(0).getBaseMean();
      assertEquals("gender", beforeAudits.get(id).getDisparities().get(0).getGroup());
      assertEquals(base, r.get("base_disparity_before").asDouble(), 1e-12, id);
      assertTrue(base > 0, id + " base disparity " + base);
      baseSum += base;
      assertTrue(r.get("fair_disparity_before").asDouble() < 1e-5, id);
      assertTrue(r.get("fair_disparity_after").isNull() && r.get("base_disparity_after").isNull(), id);
      // what the report needs to compare like with like: prompt, both runs' settings, per-group values
      assertEquals(requests.stream().filter(q -> q.getRequestId().equals(id)).findFirst().orElseThrow().getPrompt(),
          r.get("prompt").asText());
      assertEquals("multi", r.get("original_method").asText());
      assertEquals("[\"gender\"]", r.get("original_groups").toString());
      assertEquals("[\"gender\"]", r.get("replay_groups").toString());
      assertEquals(r.get("original_model").asText(), r.get("replay_model").asText());
      assertEquals("gender", r.get("groups_before").get(0).get("group").asText());
      assertEquals(base, r.get("groups_before").get(0).get("base").asDouble(), 1e-12);
      assertTrue(r.get("groups_after").get(0).get("base").isNull(), "none measures no base disparity");
    }
    assertEquals(baseSum / prompts.length, totals.get("mean_base_disparity_before").asDouble(), 1e-12);

    // Replaying the original settings against the original: nothing changes.
    Path same = dir.resolve("same.jsonl");
    Path sameDiff = dir.resolve("same-diff.json");
    assertEquals(0, replay("--from-file", input.toString(), "--to-file", same.toString(), "--compare",
        original.toString(), "--diff-out", sameDiff.toString()));
    JsonNode sameTotals = JSON.readTree(sameDiff.toFile()).get("totals");
    assertEquals(prompts.length, sameTotals.get("unchanged").asLong());
    assertEquals(0, sameTotals.get("changed").asLong());
    // Same tokens; the disparities agree up to float rounding (other batch sizes pad rows differently).
    assertEquals(totals.get("mean_base_disparity_before").asDouble(),
        sameTotals.get("mean_base_disparity_after").asDouble(), 1e-6);

    // report --diff renders the diff.
    Path html = dir.resolve("report.html");
    StringWriter err = new StringWriter();
    int exit = EquiStreamCli.execute(new PrintWriter(err, true), "report", "--input", replayed.toString(),
        original.toString(), "--diff", diffFile.toString(), "--out", html.toString());
    assertEquals(0, exit, err.toString());
    String page = Files.readString(html);
    assertTrue(page.contains("id=\"replay-diff\"") && page.contains("Replay diff"), "no replay diff section");
    String section = page.substring(page.indexOf("<section id=\"replay-diff\">"));
    assertTrue(section.contains("<td class=\"num\">" + expectedChanged + "</td>"), "changed count in the report");
    assertTrue(section.contains("Replayed with changed method."), "the report names the change");
    for (String prompt : prompts) {
      assertTrue(section.contains(">" + prompt + "<"), "the report shows the prompt " + prompt);
    }
  }

  /** Stopped after two batches (and a torn partial line after the checkpoint), then resumed: same output, once each. */
  @Test
  void aStoppedReplayResumesWithoutDuplicatesAndEqualsAnUninterruptedOne() throws Exception {
    String[] subjects = {"The man", "The woman", "The Black person", "The gay person", "The straight person"};
    String[] contexts = {"worked as", "was known for", "had a job as"};
    List<PromptRequest> requests = new ArrayList<>();
    int n = 0;
    for (String context : contexts) {
      for (String subject : subjects) {
        PromptRequest.Builder b = PromptRequest.newBuilder().setRequestId("r" + n).setPrompt(subject + " " + context)
            .setMaxNewTokens(4);
        if (n % 2 == 1) {
          b.setTemperature(0.9).setTopK(50).setSeed(100L + n);
        }
        requests.add(b.build());
        n++;
      }
    }
    Path input = promptsFile(dir.resolve("resume-prompts.jsonl"), requests);
    Path whole = dir.resolve("whole.jsonl");
    Path resumed = dir.resolve("resumed.jsonl");
    assertEquals(0, replay("--from-file", input.toString(), "--to-file", whole.toString(), "--batch-size", "4"));
    assertEquals(0, replay("--from-file", input.toString(), "--to-file", resumed.toString(), "--batch-size", "4",
        "--stop-after", "2"));
    JsonNode state = JSON.readTree(Path.of(resumed + ".state").toFile());
    assertFalse(state.get("complete").asBoolean());
    assertEquals(8, state.get("checkpoint").get("position").get("line").asLong());
    assertEquals(8, completions(resumed).size());
    // A crash in the middle of the third batch: part of a line after the checkpoint.
    Files.writeString(resumed, "{\"request_id\":\"r8\",\"conversation_id\":\"\",\"sta", StandardOpenOption.APPEND);
    assertEquals(0, replay("--from-file", input.toString(), "--to-file", resumed.toString(), "--batch-size", "4"));
    assertTrue(JSON.readTree(Path.of(resumed + ".state").toFile()).get("complete").asBoolean());

    List<String> expected = normalized(whole);
    List<String> actual = normalized(resumed);
    assertEquals(expected.size(), actual.size());
    assertEquals(expected, actual);
    Map<String, FairCompletion> out = completions(resumed);
    assertEquals(requests.size(), out.size());
    Set<String> ids = new HashSet<>(out.keySet());
    requests.forEach(r -> assertTrue(ids.remove(r.getRequestId()), r.getRequestId()));
    assertEquals(requests.size(), audits(resumed).size());

    // Running it again does nothing (already complete) and leaves the output alone.
    long size = Files.size(resumed);
    assertEquals(0, replay("--from-file", input.toString(), "--to-file", resumed.toString(), "--batch-size", "4"));
    assertEquals(size, Files.size(resumed));
  }

  /** Output lines without the wall-clock fields. */
  private static List<String> normalized(Path file) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      ObjectNode node = (ObjectNode) JSON.readTree(line);
      for (String field : List.of("inference_ms", "total_ms", "queue_ms", "completed_at", "created_at")) {
        node.remove(field);
      }
      out.add(node.toString());
    }
    return out;
  }
}
