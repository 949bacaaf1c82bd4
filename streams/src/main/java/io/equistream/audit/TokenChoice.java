package io.equistream.audit;

/**
 * How the decoder picked this step's token, so the audit can ask what the base model would have
 * emitted under the same rule: greedy, or sampling with the step's one random draw.
 */
public interface TokenChoice {
  /** Greedy decoding (TokenRanking's tie rule); what {@code score} and greedy requests use. */
  TokenChoice GREEDY = new TokenChoice() {
    @Override
    public int choose(float[] probs) {
      return TokenRanking.argmax(probs);
    }

    @Override
    public boolean sampled() {
      return false;
    }
  };

  /** The token this rule (with this step's draw, if sampling) picks from a distribution. */
  int choose(float[] probs);

  boolean sampled();
}
