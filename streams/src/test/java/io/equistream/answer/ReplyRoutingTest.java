package io.equistream.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.answer.ReplyRouting.Existence;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Reply topics: the policy, and what the answer says when no copy is sent. */
class ReplyRoutingTest {
  private static final List<String> SERVICE_TOPICS = List.of("prompts", "completions", "fairness-audit",
      "fairness-audit-summary", "prompts-dlq");
  private static final ReplyTopicPolicy POLICY = new ReplyTopicPolicy("reply-", "equistream", SERVICE_TOPICS);

  @Test
  void onlyTopicsUnderThePrefixThatAreNeitherInternalNorTheServicesOwnAreAllowed() {
    assertTrue(POLICY.allows("reply-chat-7"));
    assertTrue(POLICY.allows("reply-tenant.a_1"));
    Map<String, String> refused = Map.of(
        "completions", "one of the service's own topics",
        "fairness-audit", "one of the service's own topics",
        "prompts-dlq", "one of the service's own topics",
        "equistream-pending-prompts-changelog", "internal topic of the service",
        "equistream-audit-by-method-repartition", "internal topic of the service",
        "__consumer_offsets", "internal Kafka topic",
        "__transaction_state", "internal Kafka topic",
        "other-tenant-inbox", "not under the reply-topic prefix 'reply-'",
        "reply-", "not under the reply-topic prefix",
        "reply-../../etc", "not a legal topic name");
    refused.forEach((topic, why) -> {
      Optional<String> refusal = POLICY.refusal(topic);
      assertTrue(refusal.isPresent(), topic + " must be refused");
      assertTrue(refusal.get().contains(why), topic + ": " + refusal.get());
    });
    assertFalse(POLICY.refusal("bad\ntopic").get().contains("\n"), "an illegal name is never echoed");
  }

  @Test
  void theServicesOwnTopicsAreRefusedEvenUnderThePrefix() {
    ReplyTopicPolicy ownUnderPrefix = new ReplyTopicPolicy("reply-", "equistream", List.of("reply-completions"));
    assertTrue(ownUnderPrefix.refusal("reply-completions").get().contains("own topics"));
    assertTrue(ownUnderPrefix.allows("reply-x"));
    ReplyTopicPolicy appIdIsPrefix = new ReplyTopicPolicy("reply-", "reply", List.of());
    assertTrue(appIdIsPrefix.refusal("reply-x").get().contains("internal topic of the service"),
        "application.id 'reply' owns reply-*");
    assertTrue(new ReplyTopicPolicy("", "equistream", SERVICE_TOPICS).refusal("reply-x").get()
        .contains("reply topics are off"));
  }

  @Test
  void theAnswerSaysWhyNoCopyWasSent() {
    Map<String, Existence> cluster = Map.of("reply-here", Existence.EXISTS, "reply-gone", Existence.MISSING);
    List<String> asked = new ArrayList<>();
    ReplyRouting routing = new ReplyRouting(POLICY, topic -> {
      asked.add(topic);
      return cluster.getOrDefault(topic, Existence.UNKNOWN);
    });

    assertEquals(Optional.of("reply-here"), routing.route("reply-here").copyTo());
    assertTrue(routing.route("reply-here").notes().isEmpty());
    assertEquals(ReplyRouting.Decision.NONE, routing.route(null));

    ReplyRouting.Decision gone = routing.route("reply-gone");
    assertTrue(gone.copyTo().isEmpty());
    assertEquals(List.of(AnswerNotes.REPLY_TOPIC_MISSING), gone.notes().stream().map(AnswerNotes::code).toList());
    assertTrue(gone.notes().get(0).contains("'reply-gone' does not exist"), gone.notes().get(0));

    ReplyRouting.Decision unknown = routing.route("reply-new");
    assertEquals(List.of(AnswerNotes.REPLY_TOPIC_UNCONFIRMED), unknown.notes().stream().map(AnswerNotes::code).toList());

    asked.clear();
    ReplyRouting.Decision refused = routing.route("completions");
    assertTrue(refused.copyTo().isEmpty());
    assertEquals(List.of(AnswerNotes.REPLY_TOPIC_REFUSED), refused.notes().stream().map(AnswerNotes::code).toList());
    assertTrue(asked.isEmpty(), "a refused topic is not even looked up");
    routing.prefetch("__consumer_offsets");
    assertTrue(asked.isEmpty(), "nor prefetched");
    routing.prefetch("reply-new");
    assertEquals(List.of("reply-new"), asked);
  }
}
