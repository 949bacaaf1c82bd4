package io.equistream.stream;

import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;

/** Hooks for metrics and progress; every method may be a no-op. */
public interface ServiceListener {
  ServiceListener NONE = new ServiceListener() { };

  default void stepDone(int rows, long nanos) {
  }

  default void answered(FairCompletion completion, FairnessAudit audit) {
  }
}
