package io.equistream.stream;

/**
 * When a batch is flushed: at {@code maxRequests}, at {@code maxNewTokens} requested tokens, or
 * {@code lingerMs} after its first request; {@code deadlineMs} caps how long generating it may take
 * (kept far inside max.poll.interval.ms, so a slow batch never costs a rebalance).
 */
public record BatchLimits(int maxRequests, long lingerMs, int maxNewTokens, long deadlineMs) {
}
