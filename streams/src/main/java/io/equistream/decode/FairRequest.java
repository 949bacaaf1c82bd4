package io.equistream.decode;

import io.equistream.equivariance.Aggregation;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.equivariance.VariantPlan;
import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;

/**
 * A validated generation request: tokens, settings, and the fairness it asks for.
 * {@code sampledElement} is symsample's g, drawn from the seed at resolution (null for the other
 * methods, and for symsample's `score`, which marginalizes over g); {@code firstStepCounterfactuals}
 * asks symsample to also run every other variant at the first step, for the audit.
 */
public record FairRequest(String id, int[] promptIds, GenerationParams params, FairnessMethod method,
    ProductGroup group, Aggregation aggregation, GroupElement sampledElement, boolean firstStepCounterfactuals) {
  public FairRequest(String id, int[] promptIds, GenerationParams params, FairnessMethod method, ProductGroup group,
      Aggregation aggregation) {
    this(id, promptIds, params, method, group, aggregation, null, false);
  }

  public FairRequest withMaxNewTokens(int maxNewTokens) {
    GenerationParams p = params;
    return new FairRequest(id, promptIds, new GenerationParams(maxNewTokens, p.temperature(), p.topK(), p.topP(),
        p.seed(), p.stop()), method, group, aggregation, sampledElement, firstStepCounterfactuals);
  }

  /** The variants this request runs: symsample's one-sequence plan for its g, else the method's. */
  public VariantPlan plan() {
    return sampledElement != null ? VariantPlan.sampled(group, sampledElement, firstStepCounterfactuals)
        : VariantPlan.of(method, group);
  }

  /** The request `score` answers: for symsample the first step marginalized over g (no drawn g). */
  public FairRequest forScore() {
    return sampledElement == null ? this
        : new FairRequest(id, promptIds, params, method, group, aggregation, null, false);
  }
}
