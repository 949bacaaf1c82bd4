package io.equistream.stream;

import io.equistream.answer.ReplyRouting;
import io.equistream.answer.ReplyRouting.Existence;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Whether reply topics exist, without ever blocking the caller (a stream thread): a lookup answers
 * at once from a cache and asks the cluster in the background (an async Admin describe). Producing
 * to a topic that does not exist would block the stream thread for {@code max.block.ms} and then
 * fail the task, so only topics known to exist get a copy.
 *
 * <p>The first ask about a topic answers {@link Existence#UNKNOWN} (the answer then carries a
 * {@code reply_topic_unconfirmed} note and stays on the completions topic); call it when the
 * request arrives ({@link ReplyRouting#prefetch}) and the describe has normally finished by the
 * time the batch is answered. Hits are cached for {@code equistream.reply.topic.cache.ttl.ms},
 * misses and failures for {@code equistream.reply.topic.miss.ttl.ms}; an expired entry keeps
 * answering its last state while one refresh runs. At most {@value #MAX_ENTRIES} topics are
 * remembered (least recently asked go first) and {@value #MAX_IN_FLIGHT} describes run at once, so
 * a flood of distinct names costs bounded memory and bounded cluster requests.
 */
public final class ReplyTopics implements ReplyRouting.TopicExistence, Predicate<String>, AutoCloseable {
  static final Duration DEFAULT_HIT_TTL = Duration.ofMinutes(1);
  static final Duration DEFAULT_MISS_TTL = Duration.ofSeconds(10);
  static final int MAX_ENTRIES = 10_000;
  static final int MAX_IN_FLIGHT = 32;
  private static final int DESCRIBE_TIMEOUT_MS = 10_000;

  /** What is known of one topic, until when, and whether a describe for it is running. */
  private record Entry(Existence state, long expiresNanos, boolean refreshing) {
  }

  private final Admin admin;
  private final long hitTtlNanos;
  private final long missTtlNanos;
  private final LongSupplier nanoClock;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final Map<String, Entry> cache = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
      return size() > MAX_ENTRIES;
    }
  };

  public ReplyTopics(Admin admin) {
    this(admin, DEFAULT_HIT_TTL, DEFAULT_MISS_TTL);
  }

  public ReplyTopics(Admin admin, Duration hitTtl, Duration missTtl) {
    this(admin, hitTtl, missTtl, System::nanoTime);
  }

  ReplyTopics(Admin admin, Duration hitTtl, Duration missTtl, LongSupplier nanoClock) {
    this.admin = admin;
    this.hitTtlNanos = hitTtl.toNanos();
    this.missTtlNanos = missTtl.toNanos();
    this.nanoClock = nanoClock;
  }

  /** With the TTLs of the service's configuration. */
  public static ReplyTopics of(ServiceConfig config) {
    return new ReplyTopics(Admin.create(config.clientProperties()),
        Duration.ofMillis(config.longValue("equistream.reply.topic.cache.ttl.ms")),
        Duration.ofMillis(config.longValue("equistream.reply.topic.miss.ttl.ms")));
  }

  @Override
  public Existence lookup(String topic) {
    long now = nanoClock.getAsLong();
    Entry known;
    synchronized (cache) {
      known = cache.get(topic);
      if (known != null && (known.refreshing() || now - known.expiresNanos() < 0)) {
        return known.state();
      }
      if (inFlight.get() >= MAX_IN_FLIGHT) {
        return known == null ? Existence.UNKNOWN : known.state();
      }
      inFlight.incrementAndGet();
      cache.put(topic, new Entry(known == null ? Existence.UNKNOWN : known.state(), now, true));
    }
    describe(topic);
    return known == null ? Existence.UNKNOWN : known.state();
  }

  /** True only for topics known to exist (never waits). */
  @Override
  public boolean test(String topic) {
    return lookup(topic) == Existence.EXISTS;
  }

  private void describe(String topic) {
    try {
      admin.describeTopics(Set.of(topic), new DescribeTopicsOptions().timeoutMs(DESCRIBE_TIMEOUT_MS))
          .topicNameValues().get(topic)
          .whenComplete((description, error) -> settle(topic, error == null ? Existence.EXISTS : classify(error)));
    } catch (RuntimeException e) {
      settle(topic, Existence.UNKNOWN);
    }
  }

  private static Existence classify(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof UnknownTopicOrPartitionException || t instanceof InvalidTopicException) {
        return Existence.MISSING;
      }
    }
    return Existence.UNKNOWN; // timeout, authorization, broker trouble: not known, asked again after the miss TTL
  }

  private void settle(String topic, Existence state) {
    long ttl = state == Existence.EXISTS ? hitTtlNanos : missTtlNanos;
    synchronized (cache) {
      cache.put(topic, new Entry(state, nanoClock.getAsLong() + ttl, false));
    }
    inFlight.decrementAndGet();
  }

  @Override
  public void close() {
    admin.close(Duration.ofSeconds(1)); // pending describes are abandoned, not awaited
  }
}
