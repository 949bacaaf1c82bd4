package io.equistream.answer;

import io.equistream.audit.AuditTrail;
import io.equistream.audit.Measured;
import io.equistream.audit.StepAudit;
import io.equistream.decode.GenerationResult;
import io.equistream.group.ProductGroup;
import io.equistream.schemas.AuditStep;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairCompletionChunk;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import io.equistream.schemas.OrbitWordMass;
import io.equistream.schemas.PromptRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds the Avro answers (completion + audit) for OK, REJECTED and FAILED requests. What was not
 * measured (NaN in the audit trail) is written as null.
 */
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
        .setFairEquivarianceErrorMax(Measured.orNull(trail.maxEquivarianceError()))
        .setOrbitWordMass(trail.wordMasses().stream().map(CompletionRecords::wordMass).toList())
        .setPerStep(steps(trail, result.request().group()))
        .setForwardSequences(result.forwardSequences())
        .setEquituneSequencesWithoutDedup(result.equituneSequences())
        .setCompletionTokens(result.completionIds().length)
        .setTotalMs(totalMs)
        .setInferenceMs(inferenceMs)
        .setCreatedAt(completedAt)
        .setSampled(result.request().params().sampling())
        .setPromptGroups(trail.groupsIn(result.request().promptIds()))
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

  /** One chunk of a streamed answer. */
  public FairCompletionChunk chunk(PendingPrompt pending, int sequence, int[] tokens, String text, int completionTokens,
      String finishReason, Instant at) {
    PromptRequest request = pending.request();
    return FairCompletionChunk.newBuilder()
        .setRequestId(request.getRequestId())
        .setConversationId(request.getConversationId())
        .setSequence(sequence)
        .setTokenIds(boxed(tokens))
        .setText(text)
        .setCompletionTokens(completionTokens)
        .setFinishReason(finishReason)
        .setCreatedAt(at)
        .build();
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

  private static OrbitWordMass wordMass(AuditTrail.WordMass m) {
    return OrbitWordMass.newBuilder().setGroup(m.group()).setWord(m.word()).setTokenId(m.tokenId())
        .setBase(Measured.orNull(m.base())).setFair(Measured.orNull(m.fair())).setOrbit(m.orbit())
        .setBaseFirstStep(Measured.orNull(m.baseFirstStep()))
        .setFairFirstStep(Measured.orNull(m.fairFirstStep()))
        .build();
  }

  /**
   * What replaces an answer that could not be written (e.g. too large for its topic): FAILED with
   * the reason, and only the small fields (ids, method, groups, timing, notes), so it fits.
   */
  public static FairCompletion undeliverable(FairCompletion original, String reason) {
    return FairCompletion.newBuilder()
        .setRequestId(original.getRequestId())
        .setConversationId(original.getConversationId())
        .setStatus(CompletionStatus.FAILED)
        .setReason(reason)
        .setFinishReason("error")
        .setMethod(original.getMethod())
        .setGroups(original.getGroups())
        .setAggregate(original.getAggregate())
        .setModelId(original.getModelId())
        .setConfigFingerprint(original.getConfigFingerprint())
        .setSeed(original.getSeed())
        .setPromptTokens(original.getPromptTokens())
        .setQueueMs(original.getQueueMs())
        .setInferenceMs(original.getInferenceMs())
        .setTotalMs(original.getTotalMs())
        .setCreatedAt(original.getCreatedAt())
        .setCompletedAt(original.getCompletedAt())
        .setNotes(original.getNotes())
        .build();
  }

  /** An audit without its per-step and per-word detail (what fits when the whole one does not). */
  public static FairnessAudit withoutDetail(FairnessAudit audit) {
    return FairnessAudit.newBuilder(audit).setPerStep(List.of()).setOrbitWordMass(List.of()).build();
  }

  /**
   * The answer with delivery notes added (e.g. {@link AnswerNotes#refused}); the completion is
   * otherwise unchanged, so it is what the reply copy would have carried.
   */
  public static FairCompletion withNotes(FairCompletion completion, List<String> notes) {
    if (notes.isEmpty()) {
      return completion;
    }
    List<String> all = new ArrayList<>(completion.getNotes());
    all.addAll(notes);
    return FairCompletion.newBuilder(completion).setNotes(all).build();
  }

  private static GroupDisparity disparity(AuditTrail.GroupSummary summary) {
    return disparity(summary.group(), summary.baseMean(), summary.baseMax(), summary.fairMean(), summary.fairMax());
  }

  private static GroupDisparity disparity(String group, double baseMean, double baseMax, double fairMean,
      double fairMax) {
    return new GroupDisparity(group, Measured.orNull(baseMean), Measured.orNull(baseMax), Measured.orNull(fairMean),
        Measured.orNull(fairMax));
  }

  private static List<AuditStep> steps(AuditTrail trail, ProductGroup group) {
    List<AuditStep> out = new ArrayList<>();
    for (StepAudit step : trail.steps()) {
      List<GroupDisparity> disparities = new ArrayList<>();
      for (int f = 0; f < group.factorCount(); f++) {
        disparities.add(disparity(group.factors().get(f).name(), step.baseMean()[f], step.baseMax()[f],
            step.fairMean()[f], step.fairMax()[f]));
      }
      out.add(new AuditStep(step.step(), step.baseToken(), step.fairToken(), step.intervened(), disparities,
          Measured.orNull(step.equivarianceError()), step.checkedElement(), step.topTie()));
    }
    return out;
  }

  private static List<Integer> boxed(int[] values) {
    return Arrays.stream(values).boxed().toList();
  }
}
