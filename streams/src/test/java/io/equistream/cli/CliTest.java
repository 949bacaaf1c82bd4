package io.equistream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.equistream.TestAssets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI contract: output shapes and one-line errors with a non-zero exit. */
class CliTest {
  /** Exit code, stdout, stderr. */
  record Run(int exit, String out, String err) {
  }

  static Run run(String... args) {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    StringWriter stderr = new StringWriter();
    PrintStream original = System.out;
    int exit;
    try {
      System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
      exit = EquiStreamCli.execute(new PrintWriter(stderr, true), args);
    } finally {
      System.setOut(original);
    }
    return new Run(exit, stdout.toString(StandardCharsets.UTF_8), stderr.toString());
  }

  private static final String MODEL = TestAssets.TINY_MODEL.toString();

  @Test
  void helpListsTheCommands() {
    Run help = run("--help");
    assertEquals(0, help.exit());
    for (String command : new String[] {"generate", "score", "demo", "run", "ask", "produce", "consume", "report"}) {
      assertTrue(help.out().contains(command), command + " missing from\n" + help.out());
    }
  }

  @Test
  void generateJsonHasIdsCompletionAndCost() throws Exception {
    Run run = run("generate", "--model", MODEL, "--prompt", "The man worked as a", "--max-new-tokens", "5", "--json");
    assertEquals(0, run.exit(), run.err());
    JsonNode json = new ObjectMapper().readTree(run.out());
    assertEquals("[464,582,3111,355,257]", json.get("prompt_ids").toString());
    assertTrue(json.get("completion_ids").size() <= 5 && json.has("completion"));
    assertTrue(json.get("forward_sequences").asLong() > 0);
    assertTrue(json.get("equitune_sequences_without_dedup").asLong() >= json.get("forward_sequences").asLong());
    assertEquals("multi", json.get("method").asText());
    assertTrue(json.get("audit").get("disparities").size() == 4);
  }

  @Test
  void generateSymsampleReportsItsElementAndScoreItsMarginal() throws Exception {
    Run run = run("generate", "--model", MODEL, "--prompt", "The Black woman said", "--method", "symsample",
        "--groups", "gender,race", "--temperature", "0.9", "--seed", "17", "--max-new-tokens", "6", "--json");
    assertEquals(0, run.exit(), run.err());
    JsonNode json = new ObjectMapper().readTree(run.out());
    assertEquals("symsample", json.get("method").asText());
    assertEquals(17, json.get("seed").asLong());
    assertTrue(json.get("sampled_element").has("gender") && json.get("sampled_element").has("race"), run.out());
    assertEquals(json.get("completion_ids").size(), json.get("forward_sequences").asInt(), "one sequence per step");
    assertFalse(json.get("first_step_counterfactuals").asBoolean());
    Run again = run("generate", "--model", MODEL, "--prompt", "The Black woman said", "--method", "symsample",
        "--groups", "gender,race", "--temperature", "0.9", "--seed", "17", "--max-new-tokens", "6", "--json",
        "--first-step-counterfactuals");
    JsonNode measured = new ObjectMapper().readTree(again.out());
    assertEquals(json.get("completion_ids"), measured.get("completion_ids"));
    assertTrue(measured.get("audit").get("disparities").get(0).get("base_mean").isNumber(), again.out());
    JsonNode score = new ObjectMapper().readTree(run("score", "--model", MODEL, "--prompt", "The Black woman said",
        "--method", "symsample", "--groups", "gender,race", "--json").out());
    JsonNode equitune = new ObjectMapper().readTree(run("score", "--model", MODEL, "--prompt", "The Black woman said",
        "--method", "equitune", "--groups", "gender,race", "--json").out());
    assertEquals(equitune.get("top").get(0).get("id"), score.get("top").get(0).get("id"));
    assertEquals(equitune.get("top").get(0).get("prob").asDouble(), score.get("top").get(0).get("prob").asDouble(), 1e-6);
  }

  @Test
  void greedySymsampleIsOneClearLine() {
    Run run = run("generate", "--model", MODEL, "--prompt", "The man", "--method", "symsample");
    assertNotEquals(0, run.exit());
    assertOneLine(run.err(), "symsample needs a sampled request (temperature > 0)");
  }

  @Test
  void scoreJsonListsTheTopTokensHighestFirst() throws Exception {
    Run run = run("score", "--model", MODEL, "--prompt", "The woman worked as a", "--top-k", "5", "--json",
        "--method", "equitune", "--groups", "gender,race");
    assertEquals(0, run.exit(), run.err());
    JsonNode json = new ObjectMapper().readTree(run.out());
    JsonNode top = json.get("top");
    assertEquals(5, top.size());
    for (int i = 1; i < top.size(); i++) {
      assertTrue(top.get(i - 1).get("prob").asDouble() >= top.get(i).get("prob").asDouble());
    }
    assertTrue(top.get(0).has("id") && top.get(0).has("token"));
    assertEquals(2, json.get("forward_sequences").asInt(), "gender variants of the prompt; race has no word in it");
  }

  @Test
  void aMissingModelDirectoryIsOneClearLine(@TempDir Path empty) {
    Run run = run("generate", "--model", empty.resolve("nope").toString(), "--prompt", "Hi");
    assertNotEquals(0, run.exit());
    assertOneLine(run.err(), "not found");
  }

  @Test
  void aBadOnnxFileIsOneClearLine(@TempDir Path dir) throws Exception {
    Files.copy(TestAssets.TINY_MODEL.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
    Files.writeString(dir.resolve("model.onnx"), "this is not a protobuf");
    Run run = run("generate", "--model", dir.toString(), "--prompt", "Hi");
    assertNotEquals(0, run.exit());
    assertOneLine(run.err(), "cannot load");
  }

  @Test
  void anEmptyPromptIsOneClearLine() {
    Run run = run("generate", "--model", MODEL, "--prompt", "");
    assertNotEquals(0, run.exit());
    assertOneLine(run.err(), "empty prompt");
  }

  @Test
  void aPromptLongerThanTheContextIsOneClearLine() {
    Run run = run("score", "--model", MODEL, "--prompt", "word ".repeat(1500));
    assertNotEquals(0, run.exit());
    assertOneLine(run.err(), "tokens; the limit");
  }

  @Test
  void cudaWithoutTheGpuBuildIsOneClearLine() {
    Run run = run("generate", "--model", MODEL, "--prompt", "Hi", "--device", "cuda");
    assertNotEquals(0, run.exit());
    assertOneLine(run.err(), "CUDA");
  }

  @Test
  void anUnknownGroupIsOneClearLine() {
    Run run = run("generate", "--model", MODEL, "--prompt", "Hi", "--groups", "gender,caste");
    assertNotEquals(0, run.exit());
    assertOneLine(run.err(), "unknown group 'caste'");
  }

  private static void assertOneLine(String err, String expected) {
    String trimmed = err.strip();
    assertEquals(1, trimmed.lines().count(), "expected one line, got:\n" + err);
    assertTrue(trimmed.startsWith("error: ") && trimmed.contains(expected), trimmed);
  }
}
