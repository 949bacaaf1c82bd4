package io.equistream.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.answer.ReplyRouting;
import io.equistream.TestAssets;
import io.equistream.answer.ServiceIdentity;
import io.equistream.decode.FairEngine;
import io.equistream.decode.RequestLimits;
import io.equistream.lm.ModelOptions;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.stream.FairStreamsService;
import io.equistream.stream.EngineDriving;
import io.equistream.stream.ServiceConfig;
import io.equistream.stream.ServiceListener;
import io.equistream.stream.Topics;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each service limit is enforced and follows its config key: max prompt tokens, max prompt
 * characters, max new tokens, the engine's limits on running requests, and the per-request
 * deadline that ends unfinished requests with finish_reason "deadline". TopologyTestDriver + the
 * real model on the real engine.
 */
class LimitsTest {
  private TopologyTestDriver driver;
  private FairEngine engine;
  private TestInputTopic<String, PromptRequest> prompts;
  private TestOutputTopic<String, FairCompletion> completions;
  private final List<Integer> stepRequests = new CopyOnWriteArrayList<>();

  private void start(Map<String, String> settings) throws Exception {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("application.id", "limits-test");
    all.put("bootstrap.servers", "unused:9092");
    all.put("state.dir", Files.createTempDirectory("limits-state").toString());
    all.put("equistream.model.dir", TestAssets.TINY_MODEL.toString());
    all.put("equistream.threads", "1");
    all.put("equistream.default.max.new.tokens", "2");
    all.putAll(settings);
    ServiceConfig config = ServiceConfig.load(null, all);
    // The engine carries the request limits and scheduling of this config; it reports every model call.
    engine = FairEngine.open(config.path("equistream.model.dir"), config.path("equistream.groups.file"),
        ModelOptions.defaults().withThreads(1, 1), config.engineSettings(),
        new RequestLimits(config.intValue("equistream.limit.max.prompt.tokens"),
            config.intValue("equistream.limit.max.new.tokens"), config.intValue("equistream.limit.max.prompt.chars")),
        (requests, rows, nanos) -> stepRequests.add(requests));
    driver = new TopologyTestDriver(FairStreamsService.topology(config, engine,
        new ServiceIdentity("limits", "fp"), topic -> ReplyRouting.Existence.MISSING, ServiceListener.NONE), config.kafkaProperties(),
        Instant.parse("2026-11-27T12:00:00Z"));
    Topics topics = config.topics();
    prompts = driver.createInputTopic(topics.prompts(), new StringSerializer(), AvroSerde.of(PromptRequest.class).serializer());
    completions = driver.createOutputTopic(topics.completions(), new StringDeserializer(),
        AvroSerde.of(FairCompletion.class).deserializer());
  }

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
    if (engine != null) {
      engine.close();
    }
  }

  private static PromptRequest request(String id, String prompt, Integer maxNewTokens) {
    return PromptRequest.newBuilder().setRequestId(id).setConversationId("").setPrompt(prompt)
        .setGroups(List.of("gender")).setMaxNewTokens(maxNewTokens).build();
  }

  private FairCompletion ask(String id, String prompt, Integer maxNewTokens) throws Exception {
    prompts.pipeInput(id, request(id, prompt, maxNewTokens));
    EngineDriving.awaitRecords(driver, completions, 1);
    return completions.readValue();
  }

  @Test
  void maxPromptTokensIsEnforcedAndConfigurable() throws Exception {
    start(Map.of("equistream.limit.max.prompt.tokens", "5"));
    // "The man worked as a" is 5 GPT-2 tokens; one more word makes 6.
    assertEquals(CompletionStatus.OK, ask("five", "The man worked as a", 1).getStatus());
    FairCompletion six = ask("six", "The man worked as a nurse", 1);
    assertEquals(CompletionStatus.REJECTED, six.getStatus());
    assertTrue(six.getReason().contains("6 tokens; the limit is 5"), six.getReason());
    close();
    start(Map.of("equistream.limit.max.prompt.tokens", "6"));
    assertEquals(CompletionStatus.OK, ask("six", "The man worked as a nurse", 1).getStatus());
  }

  @Test
  void theModelContextCapsPromptTokensWhenNoLimitIsSet() throws Exception {
    start(Map.of("equistream.limit.max.prompt.tokens", "0", "equistream.limit.max.prompt.chars", "100000"));
    FairCompletion huge = ask("huge", "the man worked as a doctor ".repeat(400), 1);
    assertEquals(CompletionStatus.REJECTED, huge.getStatus());
    assertTrue(huge.getReason().contains("model context"), huge.getReason());
  }

  @Test
  void maxPromptCharactersIsEnforcedAndConfigurable() throws Exception {
    start(Map.of("equistream.limit.max.prompt.chars", "10"));
    FairCompletion longer = ask("eleven", "The man wor", 1);
    assertEquals(CompletionStatus.REJECTED, longer.getStatus());
    assertTrue(longer.getReason().contains("prompt has 11 characters; equistream.limit.max.prompt.chars=10"),
        longer.getReason());
    assertEquals(CompletionStatus.OK, ask("ten", "The man wo", 1).getStatus());
  }

  @Test
  void maxNewTokensIsEnforcedAndConfigurable() throws Exception {
    start(Map.of("equistream.limit.max.new.tokens", "3"));
    FairCompletion four = ask("four", "The man worked as a", 4);
    assertEquals(CompletionStatus.REJECTED, four.getStatus());
    assertTrue(four.getReason().contains("max_new_tokens 4 exceeds the limit 3"), four.getReason());
    FairCompletion three = ask("three", "The man worked as a", 3);
    assertEquals(CompletionStatus.OK, three.getStatus());
    assertTrue(three.getCompletionTokens() <= 3, "generated " + three.getCompletionTokens());
    close();
    start(Map.of("equistream.limit.max.new.tokens", "4"));
    assertEquals(CompletionStatus.OK, ask("four", "The man worked as a", 4).getStatus());
  }

  @Test
  void theEngineRunsAtMostMaxRequestsTogetherAndIsConfigurable() throws Exception {
    start(Map.of("equistream.engine.max.requests", "3", "equistream.limit.max.new.tokens", "8"));
    for (int i = 0; i < 10; i++) {
      prompts.pipeInput("b" + i, request("b" + i, "The woman worked as a", 8));
    }
    EngineDriving.awaitRecords(driver, completions, 10);
    assertEquals(10, completions.readValuesToList().size());
    assertTrue(stepRequests.stream().allMatch(n -> n <= 3), "requests per model call: " + stepRequests);
    assertTrue(stepRequests.contains(3), "the running batch filled up to the limit: " + stepRequests);
    close();
    stepRequests.clear();
    start(Map.of("equistream.engine.max.requests", "5", "equistream.limit.max.new.tokens", "8"));
    for (int i = 0; i < 10; i++) {
      prompts.pipeInput("c" + i, request("c" + i, "The woman worked as a", 8));
    }
    EngineDriving.awaitRecords(driver, completions, 10);
    assertTrue(stepRequests.stream().allMatch(n -> n <= 5) && stepRequests.contains(5), "calls: " + stepRequests);
  }

  @Test
  void theRequestDeadlineEndsUnfinishedRequestsAndIsConfigurable() throws Exception {
    // Each engine iteration sleeps 100 ms; 40 tokens would take 4 s, the deadline allows ~300 ms.
    start(Map.of("equistream.request.deadline.ms", "300", "equistream.debug.step.delay.ms", "100",
        "equistream.limit.max.new.tokens", "40"));
    long t0 = System.nanoTime();
    prompts.pipeInput("d1", request("d1", "The man worked as a", 40));
    prompts.pipeInput("d2", request("d2", "The woman worked as a", 40));
    EngineDriving.awaitRecords(driver, completions, 2);
    List<FairCompletion> answers = completions.readValuesToList();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(2, answers.size());
    for (FairCompletion c : answers) {
      assertEquals(CompletionStatus.OK, c.getStatus());
      assertEquals("deadline", c.getFinishReason());
      assertTrue(c.getCompletionTokens() >= 1 && c.getCompletionTokens() < 40, "tokens " + c.getCompletionTokens());
    }
    assertTrue(ms < 2500, "the requests took " + ms + " ms");
    close();
    // A generous deadline lets the same requests finish (length, or eos on a random model).
    start(Map.of("equistream.request.deadline.ms", "30000", "equistream.limit.max.new.tokens", "40"));
    FairCompletion full = ask("d3", "The man worked as a", 3);
    assertTrue(List.of("length", "eos", "stop").contains(full.getFinishReason()), full.getFinishReason());
  }

  @Test
  void aRequestLargerThanTheMemoryBudgetIsRejectedWithItsSize() throws Exception {
    // 12 MiB: a request with words of all four groups (13 variant rows at worst) asking for the whole
    // context (13 x 256 tokens x 8 KiB of KV) cannot fit; a short one can.
    start(Map.of("equistream.engine.memory.bytes", "12m", "equistream.engine.prefill.chunk.tokens", "16"));
    prompts.pipeInput("big", PromptRequest.newBuilder(request("big", "The man worked as a", 200)).setGroups(List.of())
        .build());
    FairCompletion huge = completions.readValue();
    assertEquals(CompletionStatus.REJECTED, huge.getStatus());
    assertTrue(huge.getReason().contains("memory budget is 12 MiB") && huge.getReason().contains("13 rows x"),
        huge.getReason());
    prompts.pipeInput("small", PromptRequest.newBuilder(request("small", "The man worked as a", 2)).setGroups(List.of())
        .build());
    EngineDriving.awaitRecords(driver, completions, 1);
    assertEquals(CompletionStatus.OK, completions.readValue().getStatus());
  }

  @Test
  void theRetiredBatchKeysAreRefusedWithWhatToUseInstead() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServiceConfig.load(null,
        Map.of("equistream.batch.deadline.ms", "20000")));
    assertTrue(e.getMessage().contains("equistream.batch.deadline.ms was removed")
        && e.getMessage().contains("equistream.request.deadline.ms"), e.getMessage());
  }
}
