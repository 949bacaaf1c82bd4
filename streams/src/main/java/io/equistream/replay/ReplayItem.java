package io.equistream.replay;

import io.equistream.schemas.PromptRequest;

/**
 * One input record of a replay: the request (null when the record could not be read, with the
 * reason in {@code problem}) and where it came from, for messages.
 */
record ReplayItem(PromptRequest request, String problem, String where) {
  static ReplayItem of(PromptRequest request, String where) {
    return new ReplayItem(request, null, where);
  }

  static ReplayItem unreadable(String problem, String where) {
    return new ReplayItem(null, problem, where);
  }
}
