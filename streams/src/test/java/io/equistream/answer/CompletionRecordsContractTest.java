package io.equistream.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.audit.StepAudit;
import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.decode.GenerationResult;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.AuditStep;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import io.equistream.schemas.OrbitWordMass;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroJson;
import io.equistream.schemas.serde.AvroSerde;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Avro answers as an outside client reads them: not measured is null, never NaN. */
class CompletionRecordsContractTest {
  private static final ServiceIdentity IDENTITY = new ServiceIdentity("tiny", "fp");

  private static CompletionRecords.Answer answer(String method, String prompt) {
    BatchAnswerer answerer = new BatchAnswerer(new RequestDefaults("multi", "probs", 16), IDENTITY, 900_000);
    PromptRequest request = PromptRequest.newBuilder().setRequestId("r-" + method).setPrompt(prompt)
        .setMethod(method).setMaxNewTokens(16).build();
    long now = System.currentTimeMillis();
    List<CompletionRecords.Answer> answers = answerer.answer(TestAssets.tinyEngine(),
        List.of(new PendingPrompt(request, now)));
    return answers.get(0);
  }

  @Test
  void methodNoneWritesNullForWhatItDoesNotMeasure() {
    // A prompt the tiny model continues past 16 tokens without <|endoftext|>.
    CompletionRecords.Answer answer = answer("none", "The woman said that");
    assertEquals(CompletionStatus.OK, answer.completion().getStatus());
    FairnessAudit audit = roundTrip(answer.audit());
    assertEquals(16, audit.getSteps(), "a real generation length");
    assertNull(audit.getFairEquivarianceErrorMax(), "fair_equivariance_error_max");
    for (GroupDisparity d : audit.getDisparities()) {
      assertNull(d.getBaseMean(), d.getGroup() + " base_mean");
      assertNull(d.getBaseMax(), d.getGroup() + " base_max");
      assertNull(d.getFairMean(), d.getGroup() + " fair_mean");
      assertNull(d.getFairMax(), d.getGroup() + " fair_max");
    }
    for (AuditStep step : audit.getPerStep()) {
      assertNull(step.getFairEquivarianceError(), "step " + step.getStep());
      step.getDisparities().forEach(d -> assertNull(d.getBaseMean()));
    }
    String json = AvroJson.toJson(audit);
    assertTrue(!json.contains("NaN"), json);
    assertTrue(json.contains("\"base_mean\":null"), json);
  }

  @Test
  void measuredValuesStayNumbers() {
    FairnessAudit audit = roundTrip(answer("multi", "The woman worked as a").audit());
    assertTrue(audit.getSteps() >= 8 && audit.getSteps() == audit.getPerStep().size(), "steps " + audit.getSteps());
    assertNotNull(audit.getFairEquivarianceErrorMax());
    assertTrue(audit.getFairEquivarianceErrorMax() < 1e-5);
    for (GroupDisparity d : audit.getDisparities()) {
      assertNotNull(d.getBaseMean(), d.getGroup());
      assertTrue(d.getBaseMean() >= 0 && d.getFairMean() < 1e-5, d.toString());
    }
    for (OrbitWordMass w : audit.getOrbitWordMass()) {
      assertNotNull(w.getBase(), w.getWord());
      assertNotNull(w.getFair(), w.getWord());
    }
  }

  /** The README's tie flag: AuditStep.top_tie is the engine's StepAudit.topTie, step by step. */
  @Test
  void tieStepsAreFlagged() {
    FairEngine engine = TestAssets.tinyEngine();
    FairRequest request = engine.resolver().resolve("tie", "I saw a", GenerationParams.greedy(16), "equitune",
        List.of("gender"), "probs");
    GenerationResult result = engine.generate(List.of(request)).get(0);
    PendingPrompt pending = new PendingPrompt(PromptRequest.newBuilder().setRequestId("tie").setPrompt("I saw a")
        .build(), System.currentTimeMillis());
    FairnessAudit audit = roundTrip(new CompletionRecords(IDENTITY).ok(pending, result, 0, 1, Instant.now()).audit());
    List<StepAudit> engineSteps = result.audit().steps();
    assertEquals(engineSteps.size(), audit.getPerStep().size());
    for (int i = 0; i < engineSteps.size(); i++) {
      assertEquals(engineSteps.get(i).topTie(), audit.getPerStep().get(i).getTopTie(), "step " + i);
    }
    assertTrue(audit.getPerStep().stream().anyMatch(AuditStep::getTopTie),
        "this prompt has no gender word, so the fair top can be an exactly tied orbit (e.g. man/woman)");
  }

  @Test
  void notesAreAddedAndAnUndeliverableAnswerIsSmallAndFailed() {
    CompletionRecords.Answer answer = answer("multi", "The man worked as a");
    FairCompletion noted = CompletionRecords.withNotes(answer.completion(),
        List.of("reply_topic_missing: reply topic 'reply-x' does not exist"));
    assertEquals(List.of("reply_topic_missing"), noted.getNotes().stream().map(AnswerNotes::code).toList());
    assertEquals(answer.completion().getCompletion(), noted.getCompletion());
    assertEquals(answer.completion(), CompletionRecords.withNotes(answer.completion(), List.of()));

    FairCompletion big = FairCompletion.newBuilder(noted).setCompletion("x".repeat(2_000_000)).build();
    FairCompletion failed = CompletionRecords.undeliverable(big, "too large");
    assertEquals(CompletionStatus.FAILED, failed.getStatus());
    assertEquals("too large", failed.getReason());
    assertEquals(big.getRequestId(), failed.getRequestId());
    assertEquals(noted.getNotes(), failed.getNotes());
    assertTrue(AvroSerde.of(FairCompletion.class).serializer().serialize("c", failed).length < 1_000);
    FairnessAudit bare = CompletionRecords.withoutDetail(answer.audit());
    assertTrue(bare.getPerStep().isEmpty() && bare.getOrbitWordMass().isEmpty());
    assertEquals(answer.audit().getDisparities(), bare.getDisparities());
  }

  private static FairnessAudit roundTrip(FairnessAudit audit) {
    AvroSerde<FairnessAudit> serde = AvroSerde.of(FairnessAudit.class);
    return serde.deserializer().deserialize("audit", serde.serializer().serialize("audit", audit));
  }
}
