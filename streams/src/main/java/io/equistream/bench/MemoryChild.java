package io.equistream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.equistream.client.ChatbotClient;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.stream.EmbeddedKafka;
import io.equistream.stream.TopicSetup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Peak memory measured in fresh JVMs (in the benchmark's own JVM the allocators keep what earlier,
 * bigger configurations took): (1) long prompts on the engine under a set memory budget, in a
 * child that runs {@code bench --memory-probe}; (2) the service itself ({@code run}, a child JVM at
 * a small heap) answering chat-sized prompts from a broker in this JVM.
 */
final class MemoryChild {
  private MemoryChild() {
  }

  /** Long prompts in a child JVM whose direct memory is the budget plus room for logits and scratch. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> longPrompts(Path model, Path groupsFile, long budgetBytes, int requests, int promptTokens,
      int newTokens) throws IOException, InterruptedException {
    long direct = budgetBytes + (512L << 20);
    List<String> command = new ArrayList<>(List.of(java(), "-Xmx2g", "-XX:MaxDirectMemorySize=" + direct, "-cp",
        System.getProperty("java.class.path"), "io.equistream.cli.EquiStreamCli", "bench", "--memory-probe",
        "--model", model.toString(), "--groups-file", groupsFile.toString(), "--tokens", String.valueOf(newTokens),
        "--probe-requests", String.valueOf(requests), "--probe-prompt-tokens", String.valueOf(promptTokens),
        "--probe-budget", String.valueOf(budgetBytes)));
    Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (child.waitFor() != 0 || output.isEmpty()) {
      throw new IllegalStateException("memory probe failed (exit " + child.exitValue() + ")");
    }
    Map<String, Object> result = new ObjectMapper().readValue(output.substring(output.lastIndexOf('\n') + 1), Map.class);
    result.put("model_bytes", Files.size(model.resolve("model.onnx")));
    result.put("jvm", "-Xmx2g -XX:MaxDirectMemorySize=" + direct);
    return result;
  }

  /** The service as its own JVM at {@code heap}: chat-sized prompts, then the child's peak resident set. */
  static Map<String, Object> service(Path model, String heap, int requests, int promptTokens, int newTokens)
      throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(1)) {
      Map<String, Object> client = kafka.clientProperties();
      List<String> topics = List.of("prompts", "completions", "fairness-audit", "fairness-audit-summary", "prompts-dlq",
          "completion-chunks");
      TopicSetup.createMissing(client, topics, 2, (short) 1);
      List<String> command = new ArrayList<>(List.of(java(), heap, "-cp", System.getProperty("java.class.path"),
          "io.equistream.cli.EquiStreamCli", "run", "--bootstrap", kafka.bootstrapServers(), "--model", model.toString(),
          "--set", "state.dir=" + Files.createTempDirectory("bench-service-state"),
          "--set", "application.id=equistream-bench-memory"));
      Process service = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      try (ChatbotClient chat = new ChatbotClient(client, "prompts", "completions", false)) {
        List<CompletableFuture<FairCompletion>> answers = new ArrayList<>();
        var tokenizer = io.equistream.lm.GptTokenizer.load(model.resolve("tokenizer.json"));
        for (int i = 0; i < requests; i++) {
          PromptRequest request = PromptRequest.newBuilder().setRequestId("mem-" + i).setConversationId("mem-" + i)
              .setPrompt(Workload.prompt(tokenizer, promptTokens, i)).setMaxNewTokens(newTokens)
              .setCreatedAt(Instant.now()).build();
          answers.add(chat.ask(request, Duration.ofMinutes(10)));
        }
        tokenizer.close();
        int ok = 0;
        for (CompletableFuture<FairCompletion> answer : answers) {
          ok += answer.get().getStatus() == CompletionStatus.OK ? 1 : 0;
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("requests", requests);
        result.put("answered_ok", ok);
        result.put("prompt_tokens", promptTokens);
        result.put("heap", heap);
        result.put("peak_rss_bytes", peakResident(service.pid()));
        return result;
      } finally {
        service.destroy();
        service.waitFor();
      }
    }
  }

  private static long peakResident(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
