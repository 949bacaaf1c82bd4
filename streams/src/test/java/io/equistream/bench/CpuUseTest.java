package io.equistream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuUseTest {
  @Test
  void threadsAreGroupedByTheNamesTheirOwnersGiveThem() {
    assertEquals("engine thread (Java + its share of ORT)", CpuUse.role("equistream-engine-tiny-gpt2"));
    assertEquals("stream threads", CpuUse.role("equistream-bench-6f1c-StreamThread-1"));
    assertEquals("clients (producers, consumers, admin)",
        CpuUse.role("kafka-producer-network-thread | equistream-bench-StreamThread-1-producer"));
    assertEquals("clients (producers, consumers, admin)", CpuUse.role("chatbot-client-poller"));
    assertEquals("clients (producers, consumers, admin)",
        CpuUse.role("kafka-coordinator-heartbeat-thread | equistream-bench"));
    assertEquals("stream threads", CpuUse.role("equistream-bench-6f1c-StateUpdater-1"));
    assertEquals("broker", CpuUse.role("data-plane-kafka-request-handler-0"));
    assertEquals("other Java", CpuUse.role("main"));
  }

  @Test
  void aBusyJavaThreadIsCountedInItsRoleAndInTheProcessTotal() throws Exception {
    CpuUse use = CpuUse.start();
    Thread spinner = new Thread(() -> {
      long until = System.nanoTime() + 300_000_000L;
      double x = 0;
      while (System.nanoTime() < until) {
        x += Math.sqrt(x + 1);
      }
      if (x < 0) {
        throw new AssertionError();
      }
    }, "equistream-engine-test");
    spinner.start();
    // Counted while it runs: an ended thread's time is only in the process total.
    Thread.sleep(250);
    CpuUse.Phase phase = use.stop();
    spinner.join();
    double engine = phase.cpuSecondsByRole().getOrDefault("engine thread (Java + its share of ORT)", 0.0);
    assertTrue(engine > 0.05, "engine thread cpu " + engine);
    // The process total comes from a coarser clock (ticks of 10 ms) than the thread's.
    assertTrue(phase.total() + 0.05 >= engine, phase.toString());
    assertTrue(phase.wallSeconds() >= 0.25, phase.toString());
  }
}
