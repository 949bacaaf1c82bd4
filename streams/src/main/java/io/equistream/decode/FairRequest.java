package io.equistream.decode;

import io.equistream.equivariance.Aggregation;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.group.ProductGroup;

/** A validated generation request: tokens, settings, and the fairness it asks for. */
public record FairRequest(String id, int[] promptIds, GenerationParams params, FairnessMethod method,
    ProductGroup group, Aggregation aggregation) {
  public FairRequest withMaxNewTokens(int maxNewTokens) {
    GenerationParams p = params;
    return new FairRequest(id, promptIds, new GenerationParams(maxNewTokens, p.temperature(), p.topK(), p.topP(),
        p.seed(), p.stop()), method, group, aggregation);
  }
}
