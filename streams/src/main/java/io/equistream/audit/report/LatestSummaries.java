package io.equistream.audit.report;

import io.equistream.schemas.AuditSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The summary topic carries every update of a window (Kafka Streams emits the aggregate after each
 * audit it adds), so one window appears several times with a growing count. A window's value is its
 * latest update: the last one read for its method + groups + window start (records of one key share a
 * partition and are read in offset order; files are read in the order given).
 */
final class LatestSummaries {
  /** A window's latest update and how many updates of it were read. */
  record Window(AuditSummary latest, long updates) {}

  private final List<Window> windows;
  private final long updates;

  LatestSummaries(List<AuditSummary> inReadOrder) {
    Map<String, AuditSummary> latest = new LinkedHashMap<>();
    Map<String, Long> counts = new LinkedHashMap<>();
    for (AuditSummary s : inReadOrder) {
      String key = s.getMethod() + "\u0000" + s.getGroups() + "\u0000" + s.getWindowStart().toEpochMilli();
      latest.put(key, s);
      counts.merge(key, 1L, Long::sum);
    }
    List<Window> out = new ArrayList<>();
    latest.forEach((key, s) -> out.add(new Window(s, counts.get(key))));
    out.sort(Comparator.comparing((Window w) -> w.latest().getWindowStart())
        .thenComparing(w -> w.latest().getMethod()).thenComparing(w -> w.latest().getGroups()));
    this.windows = List.copyOf(out);
    this.updates = inReadOrder.size();
  }

  /** Sorted by window start, method, groups. */
  List<Window> windows() {
    return windows;
  }

  long updatesRead() {
    return updates;
  }

  /** Requests over all windows (each window counted once, at its latest count). */
  long requests() {
    return windows.stream().mapToLong(w -> w.latest().getCount()).sum();
  }

  boolean isEmpty() {
    return windows.isEmpty();
  }
}
