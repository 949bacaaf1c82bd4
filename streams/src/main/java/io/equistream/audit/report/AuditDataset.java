package io.equistream.audit.report;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The audits (and windowed summaries) a report is made of, with the per-group, per-word and
 * per-method aggregates the report shows. Time-bucketed aggregates are in {@link TimeSeriesStats},
 * latency in {@link LatencyStats}.
 */
public final class AuditDataset {
  /** Mean disparity of one group over all audits that measured it. */
  record GroupDisparityMean(String group, Mean base, Mean fair) {}

  private final List<FairnessAudit> audits;
  private final List<AuditSummary> summaries;

  private AuditDataset(List<FairnessAudit> audits, List<AuditSummary> summaries) {
    this.audits = audits;
    this.summaries = summaries;
  }

  /** Audits are ordered by created_at (then request id) so time charts and tables are stable. */
  public static AuditDataset of(List<FairnessAudit> audits, List<AuditSummary> summaries) {
    List<FairnessAudit> sorted = new ArrayList<>(audits);
    sorted.sort(Comparator.comparing(FairnessAudit::getCreatedAt).thenComparing(FairnessAudit::getRequestId));
    List<AuditSummary> sortedSummaries = new ArrayList<>(summaries);
    sortedSummaries.sort(Comparator.comparing(AuditSummary::getWindowStart)
        .thenComparing(AuditSummary::getMethod).thenComparing(AuditSummary::getGroups));
    return new AuditDataset(List.copyOf(sorted), List.copyOf(sortedSummaries));
  }

  public int size() {
    return audits.size();
  }

  List<FairnessAudit> audits() {
    return audits;
  }

  List<AuditSummary> summaries() {
    return summaries;
  }

  /** Audits with a known creation time (created_at 0 means unknown). */
  List<FairnessAudit> timed() {
    return audits.stream().filter(a -> a.getCreatedAt().toEpochMilli() != 0).toList();
  }

  Optional<Instant> firstCreated() {
    List<FairnessAudit> timed = timed();
    return timed.isEmpty() ? Optional.empty() : Optional.of(timed.get(0).getCreatedAt());
  }

  Optional<Instant> lastCreated() {
    List<FairnessAudit> timed = timed();
    return timed.isEmpty() ? Optional.empty() : Optional.of(timed.get(timed.size() - 1).getCreatedAt());
  }

  Optional<TimeBuckets> buckets() {
    return firstCreated().map(first -> TimeBuckets.covering(first, lastCreated().orElseThrow()));
  }

  /** Counts per value of a field, e.g. per method, sorted by value. */
  Map<String, Long> countBy(Function<FairnessAudit, String> field) {
    Map<String, Long> counts = new TreeMap<>();
    audits.forEach(a -> counts.merge(String.valueOf(field.apply(a)), 1L, Long::sum));
    return counts;
  }

  /** Every group named by an audit's groups or disparities, sorted. */
  List<String> groups() {
    TreeSet<String> groups = new TreeSet<>();
    for (FairnessAudit a : audits) {
      groups.addAll(a.getGroups());
      a.getDisparities().forEach(d -> groups.add(d.getGroup()));
    }
    return List.copyOf(groups);
  }

  /** Per group (sorted), over all audits. */
  List<GroupDisparityMean> disparityByGroup() {
    return disparity(a -> "");
  }

  /** Per group and method (sorted), labelled "group · method". */
  List<GroupDisparityMean> disparityByGroupAndMethod() {
    return disparity(a -> " \u00b7 " + a.getMethod());
  }

  private List<GroupDisparityMean> disparity(Function<FairnessAudit, String> suffix) {
    Map<String, GroupDisparityMean> byGroup = new TreeMap<>();
    for (FairnessAudit a : audits) {
      for (GroupDisparity d : a.getDisparities()) {
        GroupDisparityMean m = byGroup.computeIfAbsent(d.getGroup() + suffix.apply(a),
            g -> new GroupDisparityMean(g, new Mean(), new Mean()));
        m.base().add(d.getBaseMean());
        m.fair().add(d.getFairMean());
      }
    }
    return List.copyOf(byGroup.values());
  }
}
