package io.equistream.decode;

/** Service limits on what one request may ask for. 0 for maxPromptTokens = the model's context. */
public record RequestLimits(int maxPromptTokens, int maxNewTokens, int maxPromptChars) {
  public static RequestLimits defaults() {
    return new RequestLimits(0, 256, 20_000);
  }
}
