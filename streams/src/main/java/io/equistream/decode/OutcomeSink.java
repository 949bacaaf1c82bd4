package io.equistream.decode;

/**
 * Where the engine hands results: called on the engine thread, so implementations must be quick
 * and must not block (a thread-safe queue that another thread drains).
 */
public interface OutcomeSink {
  /** The request is done: generated, ended by its deadline, or failed. Called once per submission. */
  void finished(EngineOutcome outcome);

  /**
   * A streamed request chose {@code tokens}, the completion's tokens from index {@code first} on
   * (most calls carry one token).
   */
  default void progress(Submission submission, int first, int[] tokens) {
  }
}
