package io.equistream.answer;

import io.equistream.schemas.PromptRequest;

/** A request waiting in the batch buffer, with the wall-clock time it arrived. */
public record PendingPrompt(PromptRequest request, long arrivalMillis) {
}
