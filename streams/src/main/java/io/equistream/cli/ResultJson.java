package io.equistream.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.equistream.audit.AuditTrail;
import io.equistream.audit.StepAudit;
import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationResult;
import io.equistream.decode.ScoreResult;
import io.equistream.group.ProductGroup;
import java.util.stream.IntStream;

/** The JSON the CLI prints (NaN, i.e. not measured, is written as null). */
final class ResultJson {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private ResultJson() {
  }

  static ObjectNode generation(GenerationResult result, FairEngine engine) {
    FairRequest request = result.request();
    ObjectNode out = JSON.objectNode();
    out.set("prompt_ids", ints(request.promptIds()));
    out.put("completion", result.completion());
    out.set("completion_ids", ints(result.completionIds()));
    out.put("finish_reason", result.finishReason().label());
    describe(out, request, engine);
    out.put("forward_sequences", result.forwardSequences());
    out.put("equitune_sequences_without_dedup", result.equituneSequences());
    ArrayNode perStep = out.putArray("sequences_per_step");
    for (long count : result.sequencesPerStep()) {
      perStep.add(count);
    }
    if (result.seedUsed() != null) {
      out.put("seed", result.seedUsed());
    } else {
      out.putNull("seed");
    }
    sampledElement(out, request);
    out.set("audit", audit(result.audit(), request.group()));
    return out;
  }

  /** symsample: the drawn g as {group: shift} (null for the other methods), and whether counterfactuals ran. */
  private static void sampledElement(ObjectNode out, FairRequest request) {
    if (request.sampledElement() == null) {
      out.putNull("sampled_element");
    } else {
      ObjectNode shifts = out.putObject("sampled_element");
      for (int f = 0; f < request.group().factorCount(); f++) {
        shifts.put(request.group().factors().get(f).name(), request.sampledElement().shift(f));
      }
    }
    out.put("first_step_counterfactuals", request.sampledElement() != null && request.firstStepCounterfactuals());
  }

  static ObjectNode score(ScoreResult score, int topK, FairEngine engine, FairRequest request) {
    ObjectNode out = JSON.objectNode();
    out.set("top", top(score.fair(), topK, engine));
    out.set("base_top", top(score.base(), topK, engine));
    out.put("forward_sequences", score.forwardSequences());
    out.put("equitune_sequences_without_dedup", score.equituneSequences());
    describe(out, request, engine);
    out.set("audit", step(score.audit(), request.group()));
    return out;
  }

  private static void describe(ObjectNode out, FairRequest request, FairEngine engine) {
    out.put("method", request.method().label());
    ArrayNode groups = out.putArray("groups");
    request.group().names().forEach(groups::add);
    out.put("aggregate", request.aggregation().label());
    out.put("model_id", engine.model().modelId());
  }

  private static ArrayNode top(float[] probs, int k, FairEngine engine) {
    ArrayNode top = JSON.arrayNode();
    IntStream.range(0, probs.length).boxed()
        .sorted((a, b) -> probs[a] != probs[b] ? Float.compare(probs[b], probs[a]) : Integer.compare(a, b))
        .limit(k)
        .forEach(id -> top.addObject().put("id", id).put("token", engine.tokenizer().decode(id)).put("prob", probs[id]));
    return top;
  }

  static ObjectNode audit(AuditTrail trail, ProductGroup group) {
    ObjectNode out = JSON.objectNode();
    out.put("steps", trail.steps().size());
    out.put("intervention_count", trail.interventions());
    out.put("intervention_rate", trail.interventionRate());
    number(out, "fair_equivariance_error_max", trail.maxEquivarianceError());
    ArrayNode groups = out.putArray("disparities");
    for (AuditTrail.GroupSummary summary : trail.groups()) {
      ObjectNode node = groups.addObject().put("group", summary.group());
      number(node, "base_mean", summary.baseMean());
      number(node, "base_max", summary.baseMax());
      number(node, "fair_mean", summary.fairMean());
      number(node, "fair_max", summary.fairMax());
    }
    ArrayNode masses = out.putArray("orbit_word_mass");
    for (AuditTrail.WordMass mass : trail.wordMasses()) {
      ObjectNode node = masses.addObject().put("group", mass.group()).put("word", mass.word())
          .put("token_id", mass.tokenId());
      number(node, "base", mass.base());
      number(node, "fair", mass.fair());
    }
    ArrayNode steps = out.putArray("per_step");
    trail.steps().forEach(s -> steps.add(step(s, group)));
    return out;
  }

  private static ObjectNode step(StepAudit step, ProductGroup group) {
    ObjectNode node = JSON.objectNode().put("step", step.step()).put("base_token", step.baseToken())
        .put("fair_token", step.fairToken()).put("intervened", step.intervened());
    number(node, "fair_equivariance_error", step.equivarianceError());
    node.put("checked_element", step.checkedElement()).put("top_tie", step.topTie());
    ArrayNode disparities = node.putArray("disparities");
    for (int f = 0; f < group.factorCount(); f++) {
      ObjectNode entry = disparities.addObject().put("group", group.factors().get(f).name());
      number(entry, "base_mean", step.baseMean()[f]);
      number(entry, "base_max", step.baseMax()[f]);
      number(entry, "fair_mean", step.fairMean()[f]);
      number(entry, "fair_max", step.fairMax()[f]);
    }
    return node;
  }

  private static void number(ObjectNode node, String field, double value) {
    if (Double.isNaN(value)) {
      node.putNull(field);
    } else {
      node.put(field, value);
    }
  }

  private static ArrayNode ints(int[] values) {
    ArrayNode array = JSON.arrayNode();
    for (int value : values) {
      array.add(value);
    }
    return array;
  }
}
