package io.equistream.decode;

/**
 * Sampling settings. temperature 0 = greedy; topK 0 = off; topP 1 = off; seed null = pick one
 * (and report it, so the completion can be replayed); stop null = none.
 */
public record GenerationParams(int maxNewTokens, double temperature, int topK, double topP, Long seed, String stop) {
  public static final int DEFAULT_MAX_NEW_TOKENS = 32;

  public static GenerationParams greedy(int maxNewTokens) {
    return new GenerationParams(maxNewTokens, 0, 0, 1, null, null);
  }

  public GenerationParams withSeed(Long newSeed) {
    return new GenerationParams(maxNewTokens, temperature, topK, topP, newSeed, stop);
  }

  public boolean sampling() {
    return temperature > 0;
  }

  /** Null when valid, else the reason. */
  public String problem() {
    if (maxNewTokens < 1) {
      return "max_new_tokens must be at least 1 (got " + maxNewTokens + ")";
    }
    if (!Double.isFinite(temperature) || temperature < 0 || temperature > 100) {
      return "temperature must be a number in [0, 100] (got " + temperature + ")";
    }
    if (topK < 0) {
      return "top_k must be >= 0 (got " + topK + ")";
    }
    if (!Double.isFinite(topP) || topP <= 0 || topP > 1) {
      return "top_p must be in (0, 1] (got " + topP + ")";
    }
    if (stop != null && stop.isEmpty()) {
      return "stop string must not be empty";
    }
    return null;
  }
}
