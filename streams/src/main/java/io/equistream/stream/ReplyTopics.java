package io.equistream.stream;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;

/**
 * Reply topics are named by the caller. An illegal name is rejected; a topic that does not exist
 * is not produced to (the producer would block, then fail the task) and the answer stays on the
 * completions topic. Existence is asked of the cluster once per topic and then cached.
 */
public final class ReplyTopics implements Predicate<String>, AutoCloseable {
  private final Admin admin;
  private final Set<String> known = ConcurrentHashMap.newKeySet();

  public ReplyTopics(Admin admin) {
    this.admin = admin;
  }

  @Override
  public boolean test(String topic) {
    if (known.contains(topic)) {
      return true;
    }
    try {
      admin.describeTopics(Set.of(topic)).allTopicNames().get(5, TimeUnit.SECONDS);
      known.add(topic);
      return true;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return false;
    }
  }

  @Override
  public void close() {
    admin.close();
  }
}
