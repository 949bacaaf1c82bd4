package io.equistream.answer;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;

/**
 * Which topics a request may name as its reply topic. The copy is written with the service's own
 * credentials, so a free choice would let any caller write into {@code completions}, the audit
 * topics, the application's changelog (which then breaks the next restore) or another tenant's
 * topic. Allowed: legal names under the configured prefix ({@code equistream.reply.topic.prefix};
 * empty = reply topics off), and never Kafka's internal topics ({@code __*}), the application's
 * internal topics ({@code <application.id>-*}) or the service's own topics, prefix or not.
 */
public final class ReplyTopicPolicy {
  private final String prefix;
  private final String applicationId;
  private final Set<String> serviceTopics;

  public ReplyTopicPolicy(String prefix, String applicationId, Collection<String> serviceTopics) {
    this.prefix = prefix == null ? "" : prefix;
    this.applicationId = applicationId;
    this.serviceTopics = Set.copyOf(serviceTopics);
  }

  /** Why the topic may not be used (empty when it may); the text names the topic only when it is legal. */
  public Optional<String> refusal(String topic) {
    if (topic == null || !TopicNames.isLegal(topic)) {
      return Optional.of("the reply topic is not a legal topic name");
    }
    if (topic.startsWith("__")) {
      return Optional.of("'" + topic + "' is an internal Kafka topic");
    }
    if (applicationId != null && !applicationId.isEmpty() && topic.startsWith(applicationId + "-")) {
      return Optional.of("'" + topic + "' is an internal topic of the service (application.id " + applicationId + ")");
    }
    if (serviceTopics.contains(topic)) {
      return Optional.of("'" + topic + "' is one of the service's own topics");
    }
    if (prefix.isEmpty()) {
      return Optional.of("reply topics are off (equistream.reply.topic.prefix is empty)");
    }
    if (!topic.startsWith(prefix) || topic.length() == prefix.length()) {
      return Optional.of("'" + topic + "' is not under the reply-topic prefix '" + prefix + "'");
    }
    return Optional.empty();
  }

  public boolean allows(String topic) {
    return refusal(topic).isEmpty();
  }
}
