package io.equistream.stream;

import static io.equistream.stream.EngineDriving.awaitRecords;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.answer.ReplyRouting;
import io.equistream.TestAssets;
import io.equistream.answer.ServiceIdentity;
import io.equistream.decode.FairEngine;
import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairCompletionChunk;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every path of the topology, with the real model on the real engine and real Avro bytes, on TopologyTestDriver. */
class FairTopologyTest {
  private static final ServiceIdentity IDENTITY = new ServiceIdentity("tiny", "fingerprint");
  private TopologyTestDriver driver;
  private FairEngine ownEngine;
  private TestInputTopic<String, PromptRequest> prompts;
  private TestInputTopic<String, byte[]> rawPrompts;
  private TestOutputTopic<String, FairCompletion> completions;
  private TestOutputTopic<String, FairnessAudit> audits;
  private TestOutputTopic<String, byte[]> deadLetters;
  private TestOutputTopic<String, AuditSummary> summaries;
  private TestOutputTopic<String, FairCompletion> replies;
  private TestOutputTopic<String, FairCompletionChunk> chunks;

  /** The topology on the shared tiny engine, or (ownEngine) on an engine of these settings. */
  private void start(Map<String, String> settings, boolean ownEngineSettings) throws Exception {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("application.id", "topology-test");
    all.put("bootstrap.servers", "unused:9092");
    all.put("state.dir", Files.createTempDirectory("tt-state").toString());
    all.put("equistream.model.dir", TestAssets.TINY_MODEL.toString());
    all.put("equistream.threads", "2");
    all.put("equistream.default.max.new.tokens", "4");
    all.putAll(settings);
    ServiceConfig config = ServiceConfig.load(null, all);
    FairEngine engine = TestAssets.tinyEngine();
    if (ownEngineSettings) {
      ownEngine = FairStreamsService.openEngine(config, ServiceListener.NONE);
      engine = ownEngine;
    }
    Properties props = config.kafkaProperties();
    driver = new TopologyTestDriver(
        FairStreamsService.topology(config, engine, IDENTITY, topic -> topic.startsWith("reply-") ? ReplyRouting.Existence.EXISTS : ReplyRouting.Existence.MISSING, ServiceListener.NONE),
        props, Instant.parse("2026-11-27T12:00:00Z"));
    Topics topics = config.topics();
    prompts = driver.createInputTopic(topics.prompts(), new StringSerializer(), AvroSerde.of(PromptRequest.class).serializer());
    rawPrompts = driver.createInputTopic(topics.prompts(), new StringSerializer(), new ByteArraySerializer());
    completions = driver.createOutputTopic(topics.completions(), new StringDeserializer(),
        AvroSerde.of(FairCompletion.class).deserializer());
    audits = driver.createOutputTopic(topics.audit(), new StringDeserializer(), AvroSerde.of(FairnessAudit.class).deserializer());
    deadLetters = driver.createOutputTopic(topics.deadLetters(), new StringDeserializer(), new ByteArrayDeserializer());
    summaries = driver.createOutputTopic(topics.auditSummary(), new StringDeserializer(),
        AvroSerde.of(AuditSummary.class).deserializer());
    replies = driver.createOutputTopic("reply-chat-7", new StringDeserializer(), AvroSerde.of(FairCompletion.class).deserializer());
    chunks = driver.createOutputTopic(topics.chunks(), new StringDeserializer(),
        AvroSerde.of(FairCompletionChunk.class).deserializer());
  }

  private void start(Map<String, String> settings) throws Exception {
    start(settings, false);
  }

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
    if (ownEngine != null) {
      ownEngine.close();
    }
  }

  private static PromptRequest request(String id, String prompt) {
    return PromptRequest.newBuilder().setRequestId(id).setConversationId("conv-" + id).setPrompt(prompt).build();
  }

  @Test
  void aValidRequestGetsAnOkCompletionAndAnAudit() throws Exception {
    start(Map.of());
    prompts.pipeInput("key-r1", request("r1", "The woman worked as a"));
    awaitRecords(driver, completions, 1);
    TestRecord<String, FairCompletion> record = completions.readRecord();
    FairCompletion completion = record.value();
    assertEquals("key-r1", record.key(), "answers are keyed like the request");
    assertEquals(CompletionStatus.OK, completion.getStatus());
    assertEquals("r1", completion.getRequestId());
    assertEquals("multi", completion.getMethod());
    assertEquals(List.of("gender", "race", "religion", "orientation"), completion.getGroups());
    assertEquals(4, completion.getCompletionTokens() + (completion.getFinishReason().equals("eos") ? 4 - completion.getCompletionTokens() : 0));
    assertEquals("tiny", completion.getModelId());
    assertEquals("fingerprint", completion.getConfigFingerprint());
    assertTrue(completion.getForwardSequences() > 0);
    assertEquals(List.of(464, 2415, 3111, 355, 257), completion.getPromptTokenIds());
    FairnessAudit audit = audits.readValue();
    assertEquals("r1", audit.getRequestId());
    assertEquals(CompletionStatus.OK, audit.getStatus());
    assertEquals(4, audit.getDisparities().size());
    assertTrue(audit.getFairEquivarianceErrorMax() < 1e-5);
    assertEquals(audit.getSteps(), audit.getPerStep().size());
    assertTrue(completions.isEmpty() && audits.isEmpty());
    assertFalse(summaries.isEmpty(), "the windowed audit summary was not updated");
    AuditSummary summary = summaries.readValuesToList().get(0);
    assertEquals("multi", summary.getMethod());
    assertEquals(1, summary.getCount());
  }

  @Test
  void invalidRequestsAreRejectedAtOnceWithTheReason() throws Exception {
    start(Map.of());
    prompts.pipeInput("c", request("empty", ""));
    prompts.pipeInput("c", PromptRequest.newBuilder(request("group", "The man")).setGroups(List.of("caste")).build());
    prompts.pipeInput("c", PromptRequest.newBuilder(request("params", "The man")).setTopP(7.0).build());
    prompts.pipeInput("c", PromptRequest.newBuilder(request("reply", "The man")).setReplyTopic("bad topic!").build());
    // No wall-clock time passed: REJECTED answers come from process() itself, in arrival order.
    Map<String, FairCompletion> byId = new LinkedHashMap<>();
    completions.readValuesToList().forEach(c -> byId.put(c.getRequestId(), c));
    assertEquals(List.of("empty", "group", "params", "reply"), List.copyOf(byId.keySet()));
    byId.values().forEach(c -> assertEquals(CompletionStatus.REJECTED, c.getStatus()));
    assertTrue(byId.get("empty").getReason().contains("empty prompt"));
    assertTrue(byId.get("group").getReason().contains("unknown group 'caste'"));
    assertTrue(byId.get("params").getReason().contains("top_p"));
    assertTrue(byId.get("reply").getReason().contains("reply_topic"));
    assertEquals(4, audits.readValuesToList().stream().filter(a -> a.getStatus() == CompletionStatus.REJECTED).count());
  }

  @Test
  void symsampleAnswersCarryTheirDrawnElementAndGreedyOnesAreRejected() throws Exception {
    start(Map.of());
    PromptRequest sampled = PromptRequest.newBuilder(request("s", "The Black woman said")).setMethod("symsample")
        .setGroups(List.of("gender", "race")).setTemperature(1.0).setSeed(42L).setMaxNewTokens(5).build();
    prompts.pipeInput("c", sampled);
    prompts.pipeInput("c", PromptRequest.newBuilder(request("g", "The Black woman said")).setMethod("symsample").build());
    prompts.pipeInput("c", PromptRequest.newBuilder(sampled).setRequestId("cf").setFirstStepCounterfactuals(true).build());
    awaitRecords(driver, completions, 3);
    Map<String, FairCompletion> byId = new LinkedHashMap<>();
    completions.readValuesToList().forEach(c -> byId.put(c.getRequestId(), c));
    Map<String, FairnessAudit> auditById = new LinkedHashMap<>();
    audits.readValuesToList().forEach(a -> auditById.put(a.getRequestId(), a));

    FairCompletion ok = byId.get("s");
    assertEquals(CompletionStatus.OK, ok.getStatus(), ok.getReason());
    assertEquals("symsample", ok.getMethod());
    assertEquals("probs", ok.getAggregate());
    assertEquals(42L, ok.getSeed());
    var group = TestAssets.catalog().select(List.of("gender", "race"));
    List<Integer> drawn = java.util.Arrays.stream(
        io.equistream.equivariance.SampledElement.draw(group, 42L).shifts()).boxed().toList();
    assertEquals(drawn, ok.getSampledElement());
    assertEquals(ok.getCompletionTokens(), ok.getForwardSequences(), "one sequence per step");
    FairnessAudit audit = auditById.get("s");
    assertEquals(drawn, audit.getSampledElement());
    assertFalse(audit.getFirstStepCounterfactuals());
    assertNull(audit.getFairEquivarianceErrorMax(), "one draw is not checked for equivariance");
    audit.getDisparities().forEach(d -> assertNull(d.getBaseMean()));

    FairCompletion greedy = byId.get("g");
    assertEquals(CompletionStatus.REJECTED, greedy.getStatus());
    assertTrue(greedy.getReason().contains("symsample needs a sampled request") && greedy.getReason().contains("multi"),
        greedy.getReason());

    FairCompletion counterfactuals = byId.get("cf");
    assertEquals(ok.getCompletionTokenIds(), counterfactuals.getCompletionTokenIds(), "same seed, same g, same answer");
    assertTrue(counterfactuals.getForwardSequences() > ok.getForwardSequences());
    FairnessAudit measured = auditById.get("cf");
    assertTrue(measured.getFirstStepCounterfactuals());
    measured.getDisparities().forEach(d -> assertTrue(d.getBaseMean() >= 0, d.toString()));
    assertTrue(measured.getPerStep().get(0).getDisparities().get(0).getBaseMean() >= 0);
  }

  @Test
  void unanswerableRecordsGoToTheDeadLetterTopic() throws Exception {
    // Undeserializable bytes are dead-lettered by DeadLetterHandler before the topology sees them;
    // TopologyTestDriver does not deliver handler-produced DLQ records, so FairStreamsIntegrationTest
    // checks that path against a real broker.
    start(Map.of());
    rawPrompts.pipeInput("k1", "definitely not avro".getBytes(StandardCharsets.UTF_8));
    rawPrompts.pipeInput("k2", (byte[]) null);
    prompts.pipeInput("k3", request("", "The man"));
    prompts.pipeInput("k4", request("fine", "The man worked as"));
    List<TestRecord<String, byte[]>> dead = deadLetters.readRecordsToList();
    assertEquals(List.of("k2", "k3"), dead.stream().map(TestRecord::key).toList());
    assertTrue(reason(dead.get(0)).contains("null value"), reason(dead.get(0)));
    assertTrue(reason(dead.get(1)).contains("missing request_id"), reason(dead.get(1)));
    awaitRecords(driver, completions, 1);
    assertEquals("fine", completions.readValue().getRequestId(), "the service kept answering");
  }

  private static String reason(TestRecord<String, byte[]> record) {
    Header header = record.headers().lastHeader(FairAnswerProcessor.ERROR_HEADER);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Test
  void answersAreForwardedByTheHandOffOnlyAndAShortRequestOvertakesALongOne() throws Exception {
    // 40 ms per engine iteration: the long request needs ~1.6 s, the short one a few iterations.
    start(Map.of("equistream.debug.step.delay.ms", "40", "equistream.limit.max.new.tokens", "40"), true);
    // A prompt the tiny model continues for 40 tokens (no <|endoftext|> before).
    prompts.pipeInput("a", PromptRequest.newBuilder(request("long", "He said that")).setMaxNewTokens(40).build());
    prompts.pipeInput("b", PromptRequest.newBuilder(request("short", "The woman worked as")).setMaxNewTokens(1).build());
    Thread.sleep(500);
    assertTrue(completions.isEmpty(), "only the stream thread's punctuator forwards answers");
    awaitRecords(driver, completions, 2);
    List<FairCompletion> answers = completions.readValuesToList();
    assertEquals(List.of("short", "long"), answers.stream().map(FairCompletion::getRequestId).toList(),
        "answers leave in the order they finish");
    assertEquals(40, answers.get(1).getCompletionTokens(), "the long request generates all its tokens");
  }

  @Test
  void requestsBeyondTheEngineQueueWaitInTheBufferAndAreAllAnswered() throws Exception {
    start(Map.of("equistream.engine.max.waiting", "1", "equistream.engine.max.requests", "1"), true);
    for (int i = 0; i < 6; i++) {
      prompts.pipeInput("k" + i, request("q" + i, "The man worked as a"));
    }
    awaitRecords(driver, completions, 6);
    List<FairCompletion> answers = completions.readValuesToList();
    assertEquals(List.of("q0", "q1", "q2", "q3", "q4", "q5"), answers.stream().map(FairCompletion::getRequestId).toList());
    answers.forEach(c -> assertEquals(CompletionStatus.OK, c.getStatus(), c.getReason()));
  }

  @Test
  void theReplyTopicGetsACopy() throws Exception {
    start(Map.of());
    prompts.pipeInput("c", PromptRequest.newBuilder(request("r", "The man")).setReplyTopic("reply-chat-7").build());
    prompts.pipeInput("c", PromptRequest.newBuilder(request("s", "The man")).setReplyTopic("missing-topic").build());
    awaitRecords(driver, completions, 2);
    assertEquals(List.of("r", "s"),
        completions.readValuesToList().stream().map(FairCompletion::getRequestId).sorted().toList());
    assertEquals(List.of("r"), replies.readValuesToList().stream().map(FairCompletion::getRequestId).toList());
  }

  @Test
  void aRequestThatBreaksTheModelFailsAloneAndTheOthersAreServed() throws Exception {
    // The graph has 128 positions but the model's config claims 1024: ORT fails on a longer prompt.
    String model = EngineDriving.modelFailingBeyond(TestAssets.RANDOM_MODEL, 128).toString();
    start(Map.of("equistream.model.dir", model, "equistream.limit.max.prompt.chars", "100000"), true);
    prompts.pipeInput("a", request("ok-1", "The man worked as a"));
    prompts.pipeInput("b", request("too-long", "the man worked as a doctor ".repeat(40)));
    prompts.pipeInput("c", request("ok-2", "The woman was known for"));
    prompts.pipeInput("d", request("rejected", ""));
    awaitRecords(driver, completions, 4);
    Map<String, FairCompletion> byId = new LinkedHashMap<>();
    completions.readValuesToList().forEach(c -> byId.put(c.getRequestId(), c));
    assertEquals(CompletionStatus.FAILED, byId.get("too-long").getStatus());
    assertTrue(byId.get("too-long").getReason().startsWith("generation failed"), byId.get("too-long").getReason());
    assertEquals(CompletionStatus.OK, byId.get("ok-1").getStatus(), byId.get("ok-1").getReason());
    assertEquals(CompletionStatus.OK, byId.get("ok-2").getStatus(), byId.get("ok-2").getReason());
    assertEquals(CompletionStatus.REJECTED, byId.get("rejected").getStatus());
    assertEquals(4, audits.readValuesToList().size());
  }

  @Test
  void theRequestDeadlineEndsSlowGenerationWithWhatItHas() throws Exception {
    start(Map.of("equistream.request.deadline.ms", "300", "equistream.debug.step.delay.ms", "120",
        "equistream.default.max.new.tokens", "50"), true);
    prompts.pipeInput("a", request("a", "The man worked as"));
    awaitRecords(driver, completions, 1);
    FairCompletion completion = completions.readValue();
    assertEquals(CompletionStatus.OK, completion.getStatus());
    assertEquals("deadline", completion.getFinishReason());
    assertTrue(completion.getCompletionTokens() < 50 && completion.getCompletionTokens() >= 1);
  }

  @Test
  void streamedAnswersArriveAsChunksThatAddUpToTheCompletion() throws Exception {
    start(Map.of("equistream.limit.max.new.tokens", "40"));
    prompts.pipeInput("g", PromptRequest.newBuilder(request("greedy", "The woman worked as a")).setStream(true)
        .setMaxNewTokens(24).build());
    prompts.pipeInput("s", PromptRequest.newBuilder(request("sampled", "The man was known for")).setStream(true)
        .setMaxNewTokens(24).setTemperature(1.2).setTopP(0.95).build());
    prompts.pipeInput("u", PromptRequest.newBuilder(request("unicode", "Café crème à Zürich: 東京 😀 ✓ —"))
        .setStream(true).setMaxNewTokens(24).setTemperature(1.0).setSeed(11L).build());
    prompts.pipeInput("t", PromptRequest.newBuilder(request("stopped", "The man worked as a")).setStream(true)
        .setMaxNewTokens(40).setStop("\n").build());
    prompts.pipeInput("p", request("plain", "The woman was known for"));
    prompts.pipeInput("r", PromptRequest.newBuilder(request("rejected", "")).setStream(true).build());
    awaitRecords(driver, completions, 6);
    Map<String, FairCompletion> byId = new LinkedHashMap<>();
    completions.readValuesToList().forEach(c -> byId.put(c.getRequestId(), c));
    Map<String, List<FairCompletionChunk>> chunksById = new LinkedHashMap<>();
    chunks.readValuesToList().forEach(c -> chunksById.computeIfAbsent(c.getRequestId(), k -> new java.util.ArrayList<>())
        .add(c));
    assertFalse(chunksById.containsKey("plain"), "only requests that ask to stream get chunks");
    assertTrue(byId.get("stopped").getCompletion().indexOf('\n') < 0);
    for (String id : List.of("greedy", "sampled", "unicode", "stopped", "rejected")) {
      FairCompletion completion = byId.get(id);
      List<FairCompletionChunk> sequence = chunksById.get(id);
      StringBuilder text = new StringBuilder();
      List<Integer> tokens = new java.util.ArrayList<>();
      for (int i = 0; i < sequence.size(); i++) {
        FairCompletionChunk chunk = sequence.get(i);
        assertEquals(i, chunk.getSequence(), id + ": sequence without gaps or repeats");
        assertEquals(i == sequence.size() - 1, chunk.getFinishReason() != null, id + ": only the last chunk finishes");
        text.append(chunk.getText());
        tokens.addAll(chunk.getTokenIds());
        assertEquals(tokens.size(), chunk.getCompletionTokens());
      }
      assertEquals(completion.getCompletion(), text.toString(), id + ": chunk texts add up to the completion");
      assertEquals(completion.getCompletionTokenIds(), tokens, id);
      assertEquals(completion.getFinishReason(), sequence.get(sequence.size() - 1).getFinishReason(), id);
    }
    assertTrue(chunksById.get("greedy").size() > 2, "a streamed answer comes in pieces: " + chunksById.get("greedy"));
    assertEquals(CompletionStatus.REJECTED, byId.get("rejected").getStatus());
  }

  @Test
  void oversizedAnswersFailLoudly() throws Exception {
    start(Map.of("equistream.limit.max.output.bytes", "200"));
    prompts.pipeInput("a", request("a", "The man worked as"));
    awaitRecords(driver, completions, 1);
    FairCompletion completion = completions.readValue();
    assertEquals(CompletionStatus.FAILED, completion.getStatus());
    assertTrue(completion.getReason().contains("answer too large"), completion.getReason());
    assertNotNull(audits.readValue());
  }
}
