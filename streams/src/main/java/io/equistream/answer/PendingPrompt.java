package io.equistream.answer;

import io.equistream.schemas.PromptRequest;

/**
 * A request waiting for its answer, with the wall-clock time it arrived and the key it arrived
 * under (null outside Kafka); its answer is keyed the same way (see {@link #answerKey()}).
 */
public record PendingPrompt(PromptRequest request, long arrivalMillis, String key) {
  public PendingPrompt(PromptRequest request, long arrivalMillis) {
    this(request, arrivalMillis, null);
  }

  /** The incoming record's key, else the conversation id, else the request id. */
  public String answerKey() {
    if (key != null && !key.isEmpty()) {
      return key;
    }
    String conversation = request.getConversationId();
    return conversation == null || conversation.isEmpty() ? request.getRequestId() : conversation;
  }
}
