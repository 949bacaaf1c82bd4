package io.equistream.answer;

import java.util.List;
import java.util.Optional;

/**
 * Decides, per answer, whether a copy goes to the request's reply topic: only when the policy
 * allows the topic and it is known to exist. Otherwise the answer carries a note saying why
 * ({@link AnswerNotes}) and is on the completions topic only. Existence comes from a lookup that
 * never blocks ({@link TopicExistence}); {@link #prefetch} starts it when the request arrives, so it
 * has normally been answered by the time the batch is.
 */
public final class ReplyRouting {
  /** What is known about a topic's existence right now. */
  public enum Existence {
    EXISTS, MISSING, UNKNOWN
  }

  /** A non-blocking existence lookup: answers at once from what it knows, and learns in the background. */
  public interface TopicExistence {
    Existence lookup(String topic);
  }

  /** Where the copy goes (empty: nowhere) and the notes the answer carries. */
  public record Decision(Optional<String> copyTo, List<String> notes) {
    static final Decision NONE = new Decision(Optional.empty(), List.of());
  }

  private final ReplyTopicPolicy policy;
  private final TopicExistence existence;

  public ReplyRouting(ReplyTopicPolicy policy, TopicExistence existence) {
    this.policy = policy;
    this.existence = existence;
  }

  /** Starts learning whether an allowed reply topic exists; returns at once. */
  public void prefetch(String replyTopic) {
    if (replyTopic != null && policy.allows(replyTopic)) {
      existence.lookup(replyTopic);
    }
  }

  public Decision route(String replyTopic) {
    if (replyTopic == null) {
      return Decision.NONE;
    }
    Optional<String> refusal = policy.refusal(replyTopic);
    if (refusal.isPresent()) {
      return new Decision(Optional.empty(), List.of(AnswerNotes.refused(refusal.get())));
    }
    return switch (existence.lookup(replyTopic)) {
      case EXISTS -> new Decision(Optional.of(replyTopic), List.of());
      case MISSING -> new Decision(Optional.empty(), List.of(AnswerNotes.missing(replyTopic)));
      case UNKNOWN -> new Decision(Optional.empty(), List.of(AnswerNotes.unconfirmed(replyTopic)));
    };
  }
}
