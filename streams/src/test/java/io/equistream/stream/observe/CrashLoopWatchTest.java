package io.equistream.stream.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Replacements are counted in a sliding window over the cumulative failed-stream-threads count. */
class CrashLoopWatchTest {
  @Test
  void moreThanTheLimitWithinTheWindowIsACrashLoopAndItAgesOut() {
    AtomicLong failed = new AtomicLong();
    AtomicLong now = new AtomicLong(1_000_000);
    CrashLoopWatch watch = new CrashLoopWatch(new CrashLoopLimit(3, Duration.ofMinutes(10)), failed::get, now::get);
    assertEquals(0, watch.recentReplacements());
    for (int i = 0; i < 3; i++) {
      now.addAndGet(30_000);
      failed.incrementAndGet();
      assertFalse(watch.crashLooping(), "3 replacements are within the limit");
    }
    now.addAndGet(30_000);
    failed.incrementAndGet();
    assertTrue(watch.crashLooping(), "the 4th within 10 minutes is a crash loop");
    assertEquals(4, watch.recentReplacements());

    now.addAndGet(Duration.ofMinutes(11).toMillis()); // no failure since: they age out of the window
    assertEquals(0, watch.recentReplacements());
    assertFalse(watch.crashLooping());

    for (int i = 0; i < 4; i++) { // spread out: one every 4 minutes is at most 3 per 10 minutes
      now.addAndGet(Duration.ofMinutes(4).toMillis());
      failed.incrementAndGet();
      assertFalse(watch.crashLooping(), "replacement " + i);
    }
  }

  @Test
  void sampledRarelyItCountsTooManyRatherThanTooFew() {
    AtomicLong failed = new AtomicLong();
    AtomicLong now = new AtomicLong(0);
    CrashLoopWatch watch = new CrashLoopWatch(new CrashLoopLimit(1, Duration.ofMinutes(1)), failed::get, now::get);
    failed.set(2); // two failures, first sampled 5 minutes later
    now.set(Duration.ofMinutes(5).toMillis());
    assertEquals(2, watch.recentReplacements());
    assertThrows(IllegalArgumentException.class, () -> new CrashLoopLimit(-1, Duration.ofMinutes(1)));
    assertThrows(IllegalArgumentException.class, () -> new CrashLoopLimit(1, Duration.ZERO));
  }
}
