package io.equistream.decode;

/**
 * How the engine schedules: at most {@code maxRequests} requests and {@code maxRows} model rows
 * decode together; each iteration prefills at most {@code prefillChunkTokens} prompt tokens (rows x
 * tokens), so running requests never stall for a whole long prompt, and {@link #idlePrefillTokens()}
 * when no request is decoding (then nobody stalls, and a burst of prompts prefilled in one call
 * starts decoding together instead of in staggered, smaller calls); admitted requests' KV caches
 * and step buffers stay within {@code memoryBytes}; at most {@code maxWaiting} submitted requests
 * wait for admission. {@code stepDelayMs} sleeps after every iteration (tests of slow models only).
 * {@code prefixSharing}: prefill a prompt's common prefix once for all its variants (off only to measure it).
 */
public record EngineSettings(boolean dedup, int maxRequests, int maxRows, int prefillChunkTokens, long memoryBytes,
    int maxWaiting, long stepDelayMs, boolean prefixSharing) {
  public static final int DEFAULT_MAX_REQUESTS = 64;
  public static final int DEFAULT_MAX_ROWS = 256;
  public static final int DEFAULT_PREFILL_CHUNK_TOKENS = 256;
  public static final int DEFAULT_MAX_WAITING = 256;
  /** An idle iteration's prefill budget, in chunks: bounds what a request arriving meanwhile waits for. */
  static final int IDLE_PREFILL_CHUNKS = 4;

  public EngineSettings {
    if (maxRequests < 1 || maxRows < 1 || prefillChunkTokens < 1 || maxWaiting < 1 || memoryBytes < 1
        || stepDelayMs < 0) {
      throw new IllegalArgumentException("engine settings must be positive: " + this);
    }
  }

  /** Defaults, with the memory budget derived from what this JVM may allocate off-heap. */
  public static EngineSettings defaults(boolean dedup) {
    return new EngineSettings(dedup, DEFAULT_MAX_REQUESTS, DEFAULT_MAX_ROWS, DEFAULT_PREFILL_CHUNK_TOKENS,
        defaultMemoryBytes(), DEFAULT_MAX_WAITING, 0, true);
  }

  /** Prompt tokens (rows x tokens) an iteration prefills when no request is decoding. */
  public int idlePrefillTokens() {
    return (int) Math.min(Integer.MAX_VALUE, (long) prefillChunkTokens * IDLE_PREFILL_CHUNKS);
  }

  public EngineSettings withMemoryBytes(long bytes) {
    return new EngineSettings(dedup, maxRequests, maxRows, prefillChunkTokens, bytes, maxWaiting, stepDelayMs,
        prefixSharing);
  }

  public EngineSettings withPrefixSharing(boolean share) {
    return new EngineSettings(dedup, maxRequests, maxRows, prefillChunkTokens, memoryBytes, maxWaiting, stepDelayMs,
        share);
  }

  /**
   * KV caches live in direct buffers, which the JVM caps at -XX:MaxDirectMemorySize (default: the
   * heap's maximum): three quarters of that cap.
   */
  public static long defaultMemoryBytes() {
    return maxDirectMemory() / 4 * 3;
  }

  static long maxDirectMemory() {
    for (String argument : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (argument.startsWith("-XX:MaxDirectMemorySize=")) {
        return parseSize(argument.substring(argument.indexOf('=') + 1));
      }
    }
    return Runtime.getRuntime().maxMemory();
  }

  /** Bytes from "4g", "512m", "100k" or a plain number. */
  public static long parseSize(String text) {
    String value = text.trim().toLowerCase(java.util.Locale.ROOT);
    long unit = 1;
    char last = value.isEmpty() ? ' ' : value.charAt(value.length() - 1);
    switch (last) {
      case 'k' -> unit = 1L << 10;
      case 'm' -> unit = 1L << 20;
      case 'g' -> unit = 1L << 30;
      case 't' -> unit = 1L << 40;
      default -> unit = 1;
    }
    String digits = unit == 1 ? value : value.substring(0, value.length() - 1);
    return Long.parseLong(digits.trim()) * unit;
  }
}
