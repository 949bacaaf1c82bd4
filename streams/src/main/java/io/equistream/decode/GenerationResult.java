package io.equistream.decode;

import io.equistream.audit.AuditTrail;

/**
 * A finished completion. forwardSequences = distinct sequences actually run, summed over steps
 * (base-only extra sequences included); equituneSequences = what equitune without dedup would
 * have run (|G| per step).
 */
public record GenerationResult(FairRequest request, int[] completionIds, String completion, FinishReason finishReason,
    long forwardSequences, long equituneSequences, Long seedUsed, AuditTrail audit, long[] sequencesPerStep) {
}
