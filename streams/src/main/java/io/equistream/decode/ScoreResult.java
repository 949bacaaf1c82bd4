package io.equistream.decode;

import io.equistream.audit.StepAudit;

/** The next-token distribution after a prompt: fair and base, with its cost and audit. */
public record ScoreResult(float[] fair, float[] base, int forwardSequences, int equituneSequences, StepAudit audit) {
}
