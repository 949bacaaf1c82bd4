package io.equistream.cli;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as a request to stop, handled by the service rather than by the JVM's
 * shutdown. Why: on a signal the JVM runs every shutdown hook at once, and ONNX Runtime registers
 * one that releases its native environment, which ORT requires to outlive its sessions. A graceful
 * close that waited in a hook of ours raced it, the engine still in model calls while Kafka Streams
 * closed: the most likely cause of one SIGSEGV in libonnxruntime (exit 134) at a SIGTERM. With these handlers the JVM does not begin
 * its shutdown until the service has closed Kafka Streams, the engine and the model, so ORT's hook
 * finds nothing that still uses the environment. A second signal halts at once (an impatient Ctrl-C;
 * exactly-once holds anyway: open transactions abort).
 */
final class StopSignals {
  // Not HUP: under nohup it stays ignored, as the JVM leaves it.
  private static final List<String> SIGNALS = List.of("TERM", "INT");

  private StopSignals() {
  }

  /** Installs the handlers: the first signal runs {@code onStop} (which must not block), a second halts. */
  static void install(Runnable onStop) {
    AtomicBoolean signalled = new AtomicBoolean();
    for (String name : SIGNALS) {
      Signal.handle(new Signal(name), signal -> {
        if (signalled.compareAndSet(false, true)) {
          onStop.run();
        } else {
          System.err.println("equistream: SIG" + signal.getName() + " again: exiting without waiting for the close");
          Runtime.getRuntime().halt(128 + signal.getNumber());
        }
      });
    }
  }
}
