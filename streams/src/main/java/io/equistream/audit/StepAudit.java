package io.equistream.audit;

/**
 * What one decoding step says about fairness, per selected group g-index:
 * base/fair disparity mean and max over the group's non-identity elements (NaN = not measured),
 * the fair distribution's measured equivariance error, orbit-word probabilities, and whether the
 * fair distribution had a tie at the top (then the tie rule, not the model, picked the token).
 */
public record StepAudit(int step, int baseToken, int fairToken, boolean intervened, boolean topTie, double[] baseMean,
    double[] baseMax, double[] fairMean, double[] fairMax, double equivarianceError, String checkedElement,
    float[] baseOrbitMass, float[] fairOrbitMass) {
}
