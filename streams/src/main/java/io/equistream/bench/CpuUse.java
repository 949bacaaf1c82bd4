package io.equistream.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a phase's CPU went, by role, from this JVM's own counters: the process total and each Java
 * thread's CPU time, grouped by thread name. ONNX Runtime's pool threads, GC and JIT are native
 * threads the JVM does not list; they are the process total minus the Java threads. Used to show
 * what the Kafka path costs beside the model on the same cores.
 */
final class CpuUse {
  /** CPU seconds by role over a phase, and the phase's wall seconds. */
  record Phase(double wallSeconds, Map<String, Double> cpuSecondsByRole) {
    double total() {
      return cpuSecondsByRole.getOrDefault("process", 0.0);
    }
  }

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final long startedNanos;
  private final long processCpuStart;
  private final Map<Long, Long> threadCpuStart = new HashMap<>();

  private CpuUse() {
    startedNanos = System.nanoTime();
    processCpuStart = processCpuNanos();
    for (long id : threads.getAllThreadIds()) {
      threadCpuStart.put(id, Math.max(0, threads.getThreadCpuTime(id)));
    }
  }

  /** Starts counting now. */
  static CpuUse start() {
    return new CpuUse();
  }

  /** The CPU used since {@link #start()}, by role (threads that ended meanwhile count as "native and ended"). */
  Phase stop() {
    double wall = (System.nanoTime() - startedNanos) / 1e9;
    Map<String, Double> byRole = new LinkedHashMap<>();
    double process = (processCpuNanos() - processCpuStart) / 1e9;
    byRole.put("process", process);
    double java = 0;
    long[] ids = threads.getAllThreadIds();
    ThreadInfo[] infos = threads.getThreadInfo(ids);
    for (int i = 0; i < ids.length; i++) {
      long now = threads.getThreadCpuTime(ids[i]);
      if (infos[i] == null || now < 0) {
        continue;
      }
      double seconds = (now - threadCpuStart.getOrDefault(ids[i], 0L)) / 1e9;
      byRole.merge(role(infos[i].getThreadName()), seconds, Double::sum);
      java += seconds;
    }
    byRole.put("native (ORT pool, GC, JIT) and ended threads", Math.max(0, process - java));
    return new Phase(wall, byRole);
  }

  /** The role of a Java thread, from the names EquiStream, Kafka Streams, the clients and the broker give them. */
  static String role(String name) {
    if (name.startsWith("equistream-engine-")) {
      return "engine thread (Java + its share of ORT)";
    }
    // Before the stream threads: a stream thread's producer is named after it.
    if (name.startsWith("kafka-producer-network-thread") || name.startsWith("kafka-coordinator-heartbeat-thread")
        || name.startsWith("chatbot-client") || name.contains("consumer") || name.contains("admin-client")) {
      return "clients (producers, consumers, admin)";
    }
    if (name.contains("StreamThread") || name.contains("StateUpdater")) {
      return "stream threads";
    }
    if (name.contains("kafka") || name.contains("broker") || name.contains("controller") || name.contains("raft")
        || name.contains("ExpirationReaper") || name.contains("data-plane") || name.contains("LogCleaner")) {
      return "broker";
    }
    return "other Java";
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }
}
