package io.equistream.stream.observe;

import java.time.Duration;

/**
 * Liveness turns DOWN when stream threads were replaced more than {@code maxReplacements} times
 * within {@code window} ({@code equistream.health.max.thread.replacements},
 * {@code equistream.health.thread.replacements.window.ms}): a thread that dies on the same input
 * again and again is replaced again and again, and the client stays RUNNING, so the state alone
 * would look healthy while nothing is answered.
 */
public record CrashLoopLimit(int maxReplacements, Duration window) {
  public static final CrashLoopLimit DEFAULT = new CrashLoopLimit(3, Duration.ofMinutes(10));

  public CrashLoopLimit {
    if (maxReplacements < 0 || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("equistream.health.max.thread.replacements must be >= 0 and"
          + " equistream.health.thread.replacements.window.ms > 0");
    }
  }
}
