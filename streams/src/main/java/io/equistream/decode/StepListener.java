package io.equistream.decode;

/** Told after every model call of the engine (metrics, progress); called on the engine thread. */
public interface StepListener {
  StepListener NONE = (requests, rows, nanos) -> { };

  void afterStep(int requests, int rows, long nanos);
}
