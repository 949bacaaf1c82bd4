package io.equistream.answer;

/**
 * The delivery notes an answer can carry in {@code FairCompletion.notes}, each
 * {@code "<code>: <detail>"} with a stable code a client can match on. A note never changes the
 * status: an OK answer whose reply copy was not sent is still OK, and it is on the completions
 * topic. Details name the topic only when it is a legal topic name (safe to echo and to log).
 */
public final class AnswerNotes {
  /** The reply topic is not allowed (see {@link ReplyTopicPolicy}); no copy was sent. */
  public static final String REPLY_TOPIC_REFUSED = "reply_topic_refused";
  /** The reply topic does not exist; no copy was sent. */
  public static final String REPLY_TOPIC_MISSING = "reply_topic_missing";
  /** Whether the reply topic exists was not known yet (lookups never block); no copy was sent. */
  public static final String REPLY_TOPIC_UNCONFIRMED = "reply_topic_unconfirmed";

  private AnswerNotes() {
  }

  static String refused(String why) {
    return REPLY_TOPIC_REFUSED + ": " + why + "; answered on the completions topic only";
  }

  static String missing(String topic) {
    return REPLY_TOPIC_MISSING + ": reply topic '" + topic + "' does not exist; answered on the completions topic only";
  }

  static String unconfirmed(String topic) {
    return REPLY_TOPIC_UNCONFIRMED + ": whether reply topic '" + topic + "' exists was not known yet (checked in the"
        + " background, cached); answered on the completions topic only";
  }

  /** The code of a note ({@code reply_topic_missing: ...} gives {@code reply_topic_missing}). */
  public static String code(String note) {
    int colon = note.indexOf(':');
    return colon < 0 ? note : note.substring(0, colon);
  }
}
