package io.equistream.decode;

import io.equistream.equivariance.Aggregation;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.group.ProductGroup;

/** A validated generation request: tokens, settings, and the fairness it asks for. */
public record FairRequest(String id, int[] promptIds, GenerationParams params, FairnessMethod method,
    ProductGroup group, Aggregation aggregation) {
}
