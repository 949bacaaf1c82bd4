package io.equistream.decode;

/**
 * What a submission came to: a result (OK; its finish reason may be deadline), or a failure
 * reason. Wall-clock times say when the request was first admitted to the running batch (0 if
 * never) and when it finished; inferenceMs is the time between them.
 */
public record EngineOutcome(Submission submission, GenerationResult result, String failure, long admittedAtMillis,
    long finishedAtMillis, long inferenceMs) {
  public boolean ok() {
    return result != null;
  }
}
