package io.equistream.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Peak memory of this process: heap from the JVM's pool peaks; resident set (VmHWM) from Linux.
 * ONNX Runtime's buffers are native, so RSS minus heap is the off-heap share (tensors, weights).
 */
final class MemoryProbe {
  private MemoryProbe() {
  }

  static long peakHeapBytes() {
    long total = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        total += pool.getPeakUsage().getUsed();
      }
    }
    return total;
  }

  /** Resets the heap pools' peaks and, on Linux, the resident-set peak (VmHWM, via clear_refs). */
  static void resetPeaks() {
    System.gc(); // so the heap peak of a run does not include the garbage of the one before
    ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      // not Linux, or not allowed: the RSS peak then covers the whole process
    }
  }

  /** Peak resident set size (VmHWM), or -1 where /proc is not available. */
  static long peakResidentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }
}
