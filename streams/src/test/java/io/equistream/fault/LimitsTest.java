package io.equistream.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.decode.FairEngine;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceConfig;
import io.equistream.answer.ServiceIdentity;
import io.equistream.stream.ServiceListener;
import io.equistream.stream.Topics;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each service limit is enforced and follows its config key: max prompt tokens, max prompt
 * characters, max new tokens, max batch (requests and requested tokens) and the per-batch deadline
 * that ends unfinished requests with finish_reason "deadline". TopologyTestDriver + the real model.
 */
class LimitsTest {
  private TopologyTestDriver driver;
  private FairEngine engine;
  private TestInputTopic<String, PromptRequest> prompts;
  private TestOutputTopic<String, FairCompletion> completions;
  private final List<Integer> batches = new ArrayList<>();

  private void start(Map<String, String> settings) throws Exception {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("application.id", "limits-test");
    all.put("bootstrap.servers", "unused:9092");
    all.put("state.dir", Files.createTempDirectory("limits-state").toString());
    all.put("equistream.model.dir", FaultKit.model().toString());
    all.put("equistream.threads", "1");
    all.put("equistream.batch.size", "1");
    all.put("equistream.default.max.new.tokens", "2");
    all.putAll(settings);
    ServiceConfig config = ServiceConfig.load(null, all);
    engine = FairStreamsService.openEngine(config); // the engine carries the request limits of this config
    ServiceListener listener = new ServiceListener() {
      @Override
      public void batchDone(int requests, int generated, long inferenceMs) {
        batches.add(requests);
      }
    };
    driver = new TopologyTestDriver(FairStreamsService.topology(config, () -> engine,
        new ServiceIdentity("limits", "fp"), topic -> false, listener), config.kafkaProperties(),
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

  private FairCompletion ask(String id, String prompt, Integer maxNewTokens) {
    prompts.pipeInput(id, request(id, prompt, maxNewTokens));
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
    assertTrue(longer.getReason().contains("11 characters; the limit is 10"), longer.getReason());
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
  void maxBatchBoundsEveryBatchAndIsConfigurable() throws Exception {
    start(Map.of("equistream.batch.size", "4", "equistream.batch.linger.ms", "1000"));
    for (int i = 0; i < 10; i++) {
      prompts.pipeInput("b" + i, request("b" + i, "The woman worked as a", 1));
    }
    assertEquals(List.of(4, 4), batches, "full batches are answered at once, never larger");
    assertEquals(8, completions.getQueueSize());
    // Well past the 1 s linger: after a flush the processor's clock never reads earlier than the
    // flush's real end (Kafka Streams' cached clock stands still while a batch generates), so under
    // the test driver the last records' arrival is mock time plus the real time the flushes took.
    driver.advanceWallClockTime(Duration.ofMillis(5000));
    assertEquals(List.of(4, 4, 2), batches, "the rest after the linger");
    assertEquals(10, completions.readValuesToList().size());

    close();
    batches.clear();
    // Requested tokens cut a batch too: 3 requests x 2 tokens reach batch.max.tokens=6.
    start(Map.of("equistream.batch.size", "100", "equistream.batch.max.tokens", "6", "equistream.batch.linger.ms",
        "60000"));
    for (int i = 0; i < 7; i++) {
      prompts.pipeInput("t" + i, request("t" + i, "The woman worked as a", 2));
    }
    assertEquals(List.of(3, 3), batches);
  }

  @Test
  void theBatchDeadlineEndsUnfinishedRequestsAndIsConfigurable() throws Exception {
    // Each model step sleeps 100 ms; 40 tokens would take 4 s, the deadline allows ~300 ms.
    start(Map.of("equistream.batch.size", "2", "equistream.batch.deadline.ms", "300",
        "equistream.debug.step.delay.ms", "100", "equistream.limit.max.new.tokens", "40"));
    long t0 = System.nanoTime();
    prompts.pipeInput("d1", request("d1", "The man worked as a", 40));
    prompts.pipeInput("d2", request("d2", "The woman worked as a", 40));
    List<FairCompletion> answers = completions.readValuesToList();
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(2, answers.size());
    for (FairCompletion c : answers) {
      assertEquals(CompletionStatus.OK, c.getStatus());
      assertEquals("deadline", c.getFinishReason());
      assertTrue(c.getCompletionTokens() >= 1 && c.getCompletionTokens() < 40, "tokens " + c.getCompletionTokens());
    }
    assertTrue(ms < 2500, "the batch took " + ms + " ms");
    close();
    // A generous deadline lets the same requests finish (length, or eos on a random model).
    start(Map.of("equistream.batch.size", "1", "equistream.batch.deadline.ms", "30000",
        "equistream.debug.step.delay.ms", "0", "equistream.limit.max.new.tokens", "40"));
    FairCompletion full = ask("d3", "The man worked as a", 3);
    assertTrue(List.of("length", "eos", "stop").contains(full.getFinishReason()), full.getFinishReason());
  }

  @Test
  void aDeadlineThatCouldCostARebalanceIsRefusedAtStartUp() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServiceConfig.load(null,
        Map.of("equistream.batch.deadline.ms", "200000", "max.poll.interval.ms", "300000")));
    assertTrue(e.getMessage().contains("equistream.batch.deadline.ms=200000")
        && e.getMessage().contains("max.poll.interval.ms=300000"), e.getMessage());
  }
}
