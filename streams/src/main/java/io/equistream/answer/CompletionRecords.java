package io.equistream.answer;

import io.equistream.audit.AuditTrail;
import io.equistream.audit.StepAudit;
import io.equistream.decode.GenerationResult;
import io.equistream.group.ProductGroup;
import io.equistream.schemas.AuditStep;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import io.equistream.schemas.OrbitWordMass;
import io.equistream.schemas.PromptRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds the Avro answers (completion + audit) for OK, REJECTED and FAILED requests. */
public final class CompletionRecords {
  /** One request's answer pair. */
  public record Answer(FairCompletion completion, FairnessAudit audit) {
  }

  private final ServiceIdentity identity;

  public CompletionRecords(ServiceIdentity identity) {
    this.identity = identity;
  }

  public Answer ok(PendingPrompt pending, GenerationResult result, long queueMs, long inferenceMs, Instant completedAt) {
    PromptRequest request = pending.request();
    long totalMs = Math.max(0, completedAt.toEpochMilli() - pending.arrivalMillis());
    List<String> groups = result.request().group().names();
    FairCompletion completion = base(request, CompletionStatus.OK, null)
        .setCompletion(result.completion())
        .setCompletionTokenIds(boxed(result.completionIds()))
        .setPromptTokenIds(boxed(result.request().promptIds()))
        .setFinishReason(result.finishReason().label())
        .setMethod(result.request().method().label())
        .setGroups(groups)
        .setAggregate(result.request().aggregation().label())
        .setSeed(result.seedUsed())
        .setPromptTokens(result.request().promptIds().length)
        .setCompletionTokens(result.completionIds().length)
        .setForwardSequences(result.forwardSequences())
        .setEquituneSequencesWithoutDedup(result.equituneSequences())
        .setQueueMs(queueMs)
        .setInferenceMs(inferenceMs)
        .setTotalMs(totalMs)
        .setCompletedAt(completedAt)
        .setSampledElement(sampledElement(result))
        .build();
    AuditTrail trail = result.audit();
    FairnessAudit audit = FairnessAudit.newBuilder()
        .setRequestId(request.getRequestId())
        .setConversationId(request.getConversationId())
        .setStatus(CompletionStatus.OK)
        .setMethod(completion.getMethod())
        .setGroups(groups)
        .setAggregate(completion.getAggregate())
        .setModelId(identity.modelId())
        .setSteps(trail.steps().size())
        .setInterventionCount(trail.interventions())
        .setInterventionRate(trail.interventionRate())
        .setDisparities(trail.groups().stream().map(CompletionRecords::disparity).toList())
        .setFairEquivarianceErrorMax(trail.maxEquivarianceError())
        .setOrbitWordMass(trail.wordMasses().stream()
            .map(m -> new OrbitWordMass(m.group(), m.word(), m.tokenId(), m.base(), m.fair())).toList())
        .setPerStep(steps(trail, result.request().group()))
        .setForwardSequences(result.forwardSequences())
        .setEquituneSequencesWithoutDedup(result.equituneSequences())
        .setCompletionTokens(result.completionIds().length)
        .setTotalMs(totalMs)
        .setInferenceMs(inferenceMs)
        .setCreatedAt(completedAt)
        .setSampledElement(completion.getSampledElement())
        .setFirstStepCounterfactuals(result.request().sampledElement() != null
            && result.request().firstStepCounterfactuals())
        .build();
    return new Answer(completion, audit);
  }

  /** symsample's drawn g as one shift per group (null for the other methods). */
  private static List<Integer> sampledElement(GenerationResult result) {
    var element = result.request().sampledElement();
    return element == null ? null : boxed(element.shifts());
  }

  public Answer notServed(PendingPrompt pending, CompletionStatus status, String reason, Instant completedAt) {
    PromptRequest request = pending.request();
    long totalMs = Math.max(0, completedAt.toEpochMilli() - pending.arrivalMillis());
    FairCompletion completion = base(request, status, reason)
        .setFinishReason(status == CompletionStatus.REJECTED ? "rejected" : "error")
        .setMethod(request.getMethod() == null ? "" : request.getMethod())
        .setGroups(request.getGroups())
        .setAggregate(request.getAggregate() == null ? "" : request.getAggregate())
        .setSeed(request.getSeed())
        .setTotalMs(totalMs)
        .setCompletedAt(completedAt)
        .build();
    FairnessAudit audit = FairnessAudit.newBuilder()
        .setRequestId(request.getRequestId())
        .setConversationId(request.getConversationId())
        .setStatus(status)
        .setMethod(completion.getMethod())
        .setGroups(request.getGroups())
        .setAggregate(completion.getAggregate())
        .setModelId(identity.modelId())
        .setTotalMs(totalMs)
        .setCreatedAt(completedAt)
        .build();
    return new Answer(completion, audit);
  }

  private FairCompletion.Builder base(PromptRequest request, CompletionStatus status, String reason) {
    return FairCompletion.newBuilder()
        .setRequestId(request.getRequestId())
        .setConversationId(request.getConversationId())
        .setStatus(status)
        .setReason(reason)
        .setModelId(identity.modelId())
        .setConfigFingerprint(identity.configFingerprint())
        .setCreatedAt(request.getCreatedAt())
        .setMetadata(request.getMetadata());
  }

  private static GroupDisparity disparity(AuditTrail.GroupSummary summary) {
    return new GroupDisparity(summary.group(), summary.baseMean(), summary.baseMax(), summary.fairMean(),
        summary.fairMax());
  }

  private static List<AuditStep> steps(AuditTrail trail, ProductGroup group) {
    List<AuditStep> out = new ArrayList<>();
    for (StepAudit step : trail.steps()) {
      List<GroupDisparity> disparities = new ArrayList<>();
      for (int f = 0; f < group.factorCount(); f++) {
        disparities.add(new GroupDisparity(group.factors().get(f).name(), step.baseMean()[f], step.baseMax()[f],
            step.fairMean()[f], step.fairMax()[f]));
      }
      out.add(new AuditStep(step.step(), step.baseToken(), step.fairToken(), step.intervened(), disparities,
          step.equivarianceError(), step.checkedElement()));
    }
    return out;
  }

  private static List<Integer> boxed(int[] values) {
    return Arrays.stream(values).boxed().toList();
  }
}
