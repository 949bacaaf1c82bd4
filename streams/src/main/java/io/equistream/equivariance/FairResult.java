package io.equistream.equivariance;

/**
 * A fair next-token distribution. {@code orbitValues} are the pre-softmax (logits) or final (probs)
 * values of the orbit tokens; {@code shift}/{@code normalizer} are the logits softmax's max and
 * sum of exp(value - max), kept so that p(g.x) on the orbit tokens can be normalized exactly.
 */
public record FairResult(float[] probs, double[] orbitValues, double shift, double normalizer) {
}
