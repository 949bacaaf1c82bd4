package io.equistream.equivariance;

import io.equistream.group.GroupElement;

/**
 * One term of the fair distribution: the model runs c(g^-1 x) and the output is acted on by g.
 * {@code canonicalized[f]} says whether factor f's words are first mapped to orbit[0] (multi's
 * other groups). {@code weight} is its share in the final mixture (0 for the audit-only base).
 */
public record Variant(int branch, GroupElement element, GroupElement inputElement, boolean[] canonicalized,
    double weight) {
}
