package io.equistream.schemas.serde;

import io.equistream.schemas.AuditStep;
import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import io.equistream.schemas.OrbitWordMass;
import io.equistream.schemas.PromptRequest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** Fully populated sample of every record type (non-default values everywhere). */
final class Samples {
  static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_123L);

  private Samples() {}

  static PromptRequest promptRequest() {
    return PromptRequest.newBuilder()
        .setRequestId("r1").setConversationId("c1").setPrompt("The man worked as")
        .setMaxNewTokens(12).setTemperature(0.7).setTopK(40).setTopP(0.9).setSeed(7L)
        .setMethod("equitune").setGroups(List.of("gender", "race")).setAggregate("logits")
        .setStop("\n").setReplyTopic("replies").setCreatedAt(T0).setMetadata(Map.of("user", "ü✓"))
        .build();
  }

  static GroupDisparity disparity() {
    return GroupDisparity.newBuilder().setGroup("gender")
        .setBaseMean(0.25).setBaseMax(0.5).setFairMean(1e-9).setFairMax(2e-9).build();
  }

  static OrbitWordMass wordMass() {
    return OrbitWordMass.newBuilder().setGroup("gender").setWord(" he").setTokenId(339)
        .setBase(0.12).setFair(0.08).build();
  }

  static AuditStep step() {
    return AuditStep.newBuilder().setStep(3).setBaseToken(257).setFairToken(258).setIntervened(true)
        .setDisparities(List.of(disparity())).setFairEquivarianceError(1.5e-7)
        .setCheckedElement("gender:swap").setTopTie(true).build();
  }

  static FairCompletion completion() {
    return FairCompletion.newBuilder()
        .setRequestId("r1").setConversationId("c1").setStatus(CompletionStatus.OK).setReason(null)
        .setCompletion(" a doctor").setCompletionTokenIds(List.of(257, 6253))
        .setPromptTokenIds(List.of(464, 582, 3111, 355)).setFinishReason("length")
        .setMethod("equitune").setGroups(List.of("gender")).setAggregate("probs")
        .setModelId("gpt2").setConfigFingerprint("abc123").setSeed(42L)
        .setPromptTokens(4).setCompletionTokens(2).setForwardSequences(4)
        .setEquituneSequencesWithoutDedup(8).setQueueMs(3).setInferenceMs(40).setTotalMs(45)
        .setCreatedAt(T0).setCompletedAt(T0.plusMillis(45)).setMetadata(Map.of("k", "v"))
        .setNotes(List.of("reply_topic_missing: reply topic 'reply-x' does not exist"))
        .build();
  }

  static FairnessAudit audit() {
    return FairnessAudit.newBuilder()
        .setRequestId("r1").setConversationId("c1").setStatus(CompletionStatus.OK)
        .setMethod("equitune").setGroups(List.of("gender")).setAggregate("probs").setModelId("gpt2")
        .setSteps(2).setInterventionCount(1).setInterventionRate(0.5)
        .setDisparities(List.of(disparity())).setFairEquivarianceErrorMax(1.5e-7)
        .setOrbitWordMass(List.of(wordMass())).setPerStep(List.of(step(), step()))
        .setForwardSequences(4).setEquituneSequencesWithoutDedup(8).setCompletionTokens(2)
        .setTotalMs(45).setInferenceMs(40).setCreatedAt(T0)
        .build();
  }

  static AuditSummary summary() {
    return AuditSummary.newBuilder()
        .setMethod("equitune").setGroups("gender,race")
        .setWindowStart(T0).setWindowEnd(T0.plusSeconds(60)).setCount(10)
        .setMeanBaseDisparity(0.2).setMaxBaseDisparity(0.6).setMeanFairDisparity(1e-9)
        .setMaxFairEquivarianceError(3e-7).setInterventionRate(0.3).setTokens(120)
        .setTokensPerSecond(55.5).setLatencyP50Ms(40).setLatencyP99Ms(95.5)
        .build();
  }

  static List<SpecificRecord> all() {
    return List.of(promptRequest(), completion(), audit(), summary(), disparity(), wordMass(), step());
  }
}
