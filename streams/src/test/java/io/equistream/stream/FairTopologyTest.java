package io.equistream.stream;

import io.equistream.answer.ServiceIdentity;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.decode.FairEngine;
import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
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

/** Every path of the topology, with the real model and real Avro bytes, on TopologyTestDriver. */
class FairTopologyTest {
  private static final ServiceIdentity IDENTITY = new ServiceIdentity("tiny", "fingerprint");
  private TopologyTestDriver driver;
  private TestInputTopic<String, PromptRequest> prompts;
  private TestInputTopic<String, byte[]> rawPrompts;
  private TestOutputTopic<String, FairCompletion> completions;
  private TestOutputTopic<String, FairnessAudit> audits;
  private TestOutputTopic<String, byte[]> deadLetters;
  private TestOutputTopic<String, AuditSummary> summaries;
  private TestOutputTopic<String, FairCompletion> replies;

  private void start(Map<String, String> settings, Supplier<FairEngine> engines) throws Exception {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("application.id", "topology-test");
    all.put("bootstrap.servers", "unused:9092");
    all.put("state.dir", Files.createTempDirectory("tt-state").toString());
    all.put("equistream.model.dir", TestAssets.TINY_MODEL.toString());
    all.put("equistream.batch.size", "3");
    all.put("equistream.batch.linger.ms", "100");
    all.put("equistream.default.max.new.tokens", "4");
    all.putAll(settings);
    ServiceConfig config = ServiceConfig.load(null, all);
    Properties props = config.kafkaProperties();
    driver = new TopologyTestDriver(
        FairStreamsService.topology(config, engines, IDENTITY, topic -> topic.startsWith("reply-"), ServiceListener.NONE),
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
  }

  private void start(Map<String, String> settings) throws Exception {
    start(settings, TestAssets::tinyEngine);
  }

  @AfterEach
  void close() {
    if (driver != null) {
      driver.close();
    }
  }

  private static PromptRequest request(String id, String prompt) {
    return PromptRequest.newBuilder().setRequestId(id).setConversationId("conv-" + id).setPrompt(prompt).build();
  }

  @Test
  void aValidRequestGetsAnOkCompletionAndAnAudit() throws Exception {
    start(Map.of("equistream.batch.size", "1"));
    prompts.pipeInput("conv-r1", request("r1", "The woman worked as a"));
    TestRecord<String, FairCompletion> record = completions.readRecord();
    FairCompletion completion = record.value();
    assertEquals("conv-r1", record.key());
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
  void invalidRequestsAreRejectedWithTheReason() throws Exception {
    start(Map.of("equistream.batch.size", "4"));
    prompts.pipeInput("c", request("empty", ""));
    prompts.pipeInput("c", PromptRequest.newBuilder(request("group", "The man")).setGroups(List.of("caste")).build());
    prompts.pipeInput("c", PromptRequest.newBuilder(request("params", "The man")).setTopP(7.0).build());
    prompts.pipeInput("c", PromptRequest.newBuilder(request("reply", "The man")).setReplyTopic("bad topic!").build());
    Map<String, FairCompletion> byId = new LinkedHashMap<>();
    completions.readValuesToList().forEach(c -> byId.put(c.getRequestId(), c));
    assertEquals(List.of("empty", "group", "params", "reply"), List.copyOf(byId.keySet()), "answers keep arrival order");
    byId.values().forEach(c -> assertEquals(CompletionStatus.REJECTED, c.getStatus()));
    assertTrue(byId.get("empty").getReason().contains("empty prompt"));
    assertTrue(byId.get("group").getReason().contains("unknown group 'caste'"));
    assertTrue(byId.get("params").getReason().contains("top_p"));
    assertTrue(byId.get("reply").getReason().contains("reply_topic"));
    assertEquals(4, audits.readValuesToList().stream().filter(a -> a.getStatus() == CompletionStatus.REJECTED).count());
  }

  @Test
  void symsampleAnswersCarryTheirDrawnElementAndGreedyOnesAreRejected() throws Exception {
    start(Map.of("equistream.batch.size", "3"));
    PromptRequest sampled = PromptRequest.newBuilder(request("s", "The Black woman said")).setMethod("symsample")
        .setGroups(List.of("gender", "race")).setTemperature(1.0).setSeed(42L).setMaxNewTokens(5).build();
    prompts.pipeInput("c", sampled);
    prompts.pipeInput("c", PromptRequest.newBuilder(request("g", "The Black woman said")).setMethod("symsample").build());
    prompts.pipeInput("c", PromptRequest.newBuilder(sampled).setRequestId("cf").setFirstStepCounterfactuals(true).build());
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
    assertTrue(Double.isNaN(audit.getFairEquivarianceErrorMax()), "one draw is not checked for equivariance");
    audit.getDisparities().forEach(d -> assertTrue(Double.isNaN(d.getBaseMean())));

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
    start(Map.of("equistream.batch.size", "1"));
    rawPrompts.pipeInput("k1", "definitely not avro".getBytes(StandardCharsets.UTF_8));
    rawPrompts.pipeInput("k2", (byte[]) null);
    prompts.pipeInput("k3", request("", "The man"));
    prompts.pipeInput("k4", request("fine", "The man worked as"));
    List<TestRecord<String, byte[]>> dead = deadLetters.readRecordsToList();
    assertEquals(List.of("k2", "k3"), dead.stream().map(TestRecord::key).toList());
    assertTrue(reason(dead.get(0)).contains("null value"), reason(dead.get(0)));
    assertTrue(reason(dead.get(1)).contains("missing request_id"), reason(dead.get(1)));
    assertEquals("fine", completions.readValue().getRequestId(), "the service kept answering");
  }

  private static String reason(TestRecord<String, byte[]> record) {
    Header header = record.headers().lastHeader(FairBatchProcessor.ERROR_HEADER);
    return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Test
  void aFullBatchIsAnsweredAtOnce() throws Exception {
    start(Map.of("equistream.batch.size", "3", "equistream.batch.linger.ms", "60000"));
    prompts.pipeInput("a", request("a", "The man worked as"));
    prompts.pipeInput("b", request("b", "The woman worked as"));
    assertTrue(completions.isEmpty(), "answered before the batch was full or lingered");
    prompts.pipeInput("c", request("c", "The Black person was known for"));
    assertEquals(List.of("a", "b", "c"), completions.readValuesToList().stream().map(FairCompletion::getRequestId).toList());
  }

  @Test
  void aPartialBatchIsAnsweredAfterTheLinger() throws Exception {
    start(Map.of("equistream.batch.size", "16", "equistream.batch.linger.ms", "200"));
    prompts.pipeInput("a", request("a", "The man worked as"));
    driver.advanceWallClockTime(Duration.ofMillis(100));
    assertTrue(completions.isEmpty(), "answered before the linger");
    driver.advanceWallClockTime(Duration.ofMillis(150));
    FairCompletion completion = completions.readValue();
    assertEquals("a", completion.getRequestId());
    assertTrue(completion.getQueueMs() >= 200, "queue time " + completion.getQueueMs());
  }

  @Test
  void aBatchIsAlsoCutByRequestedTokens() throws Exception {
    start(Map.of("equistream.batch.size", "16", "equistream.batch.max.tokens", "10", "equistream.batch.linger.ms", "60000"));
    prompts.pipeInput("a", PromptRequest.newBuilder(request("a", "The man")).setMaxNewTokens(6).build());
    assertTrue(completions.isEmpty());
    prompts.pipeInput("b", PromptRequest.newBuilder(request("b", "The woman")).setMaxNewTokens(6).build());
    assertEquals(2, completions.readValuesToList().size());
  }

  @Test
  void theReplyTopicGetsACopy() throws Exception {
    start(Map.of("equistream.batch.size", "1"));
    prompts.pipeInput("c", PromptRequest.newBuilder(request("r", "The man")).setReplyTopic("reply-chat-7").build());
    prompts.pipeInput("c", PromptRequest.newBuilder(request("s", "The man")).setReplyTopic("missing-topic").build());
    assertEquals(List.of("r", "s"), completions.readValuesToList().stream().map(FairCompletion::getRequestId).toList());
    assertEquals(List.of("r"), replies.readValuesToList().stream().map(FairCompletion::getRequestId).toList());
  }

  @Test
  void aFailureInsideGenerationGivesAFailedCompletion() throws Exception {
    FairEngine broken = TestAssets.open(TestAssets.RANDOM_MODEL, true);
    broken.model().close(); // the ONNX session is gone: every model call fails
    start(Map.of("equistream.batch.size", "2", "equistream.model.dir", TestAssets.RANDOM_MODEL.toString()), () -> broken);
    prompts.pipeInput("a", request("a", "The man"));
    prompts.pipeInput("b", request("b", ""));
    List<FairCompletion> answers = completions.readValuesToList();
    assertEquals(CompletionStatus.FAILED, answers.get(0).getStatus());
    assertTrue(answers.get(0).getReason().startsWith("generation failed"), answers.get(0).getReason());
    assertEquals(CompletionStatus.REJECTED, answers.get(1).getStatus());
    assertEquals(2, audits.readValuesToList().size());
  }

  @Test
  void theBatchDeadlineEndsSlowGenerationWithWhatItHas() throws Exception {
    start(Map.of("equistream.batch.size", "1", "equistream.batch.deadline.ms", "300",
        "equistream.debug.step.delay.ms", "120", "equistream.default.max.new.tokens", "50"));
    prompts.pipeInput("a", request("a", "The man worked as"));
    FairCompletion completion = completions.readValue();
    assertEquals(CompletionStatus.OK, completion.getStatus());
    assertEquals("deadline", completion.getFinishReason());
    assertTrue(completion.getCompletionTokens() < 50 && completion.getCompletionTokens() >= 1);
  }

  @Test
  void oversizedAnswersFailLoudly() throws Exception {
    start(Map.of("equistream.batch.size", "1", "equistream.limit.max.output.bytes", "200"));
    prompts.pipeInput("a", request("a", "The man worked as"));
    FairCompletion completion = completions.readValue();
    assertEquals(CompletionStatus.FAILED, completion.getStatus());
    assertTrue(completion.getReason().contains("answer too large"), completion.getReason());
    assertNotNull(audits.readValue());
  }
}
