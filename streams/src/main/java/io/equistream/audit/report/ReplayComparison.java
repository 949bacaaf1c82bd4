package io.equistream.audit.report;

import io.equistream.audit.report.ReplayDiff.GroupValues;
import io.equistream.audit.report.ReplayDiff.Request;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Before/after disparities of a replay diff on matching sets only: a group of a request counts when
 * both runs measured its base and fair disparity; a request's own before/after is the mean over those
 * groups (for diffs without per-group values, the file's per-request means when both are measured).
 */
final class ReplayComparison {
  static final String ALL_GROUPS = "all groups (per-request means)";

  /** Means over the requests compared, and how many requests measured the values in one run only. */
  record Row(String label, long compared, Mean baseBefore, Mean baseAfter, Mean fairBefore, Mean fairAfter,
      long leftOut) {}

  /** One request's matched means: base and fair, before and after. */
  record Matched(double baseBefore, double baseAfter, double fairBefore, double fairAfter) {}

  private ReplayComparison() {}

  static Optional<Matched> matched(Request r) {
    if (r.groupsBefore() != null && r.groupsAfter() != null) {
      double[] sums = new double[4];
      int n = 0;
      for (Map.Entry<String, GroupValues> before : r.groupsBefore().entrySet()) {
        GroupValues after = r.groupsAfter().get(before.getKey());
        if (before.getValue().measured() && after != null && after.measured()) {
          sums[0] += before.getValue().base();
          sums[1] += after.base();
          sums[2] += before.getValue().fair();
          sums[3] += after.fair();
          n++;
        }
      }
      return n == 0 ? Optional.empty() : Optional.of(new Matched(sums[0] / n, sums[1] / n, sums[2] / n, sums[3] / n));
    }
    boolean both = Double.isFinite(r.baseDisparityBefore()) && Double.isFinite(r.baseDisparityAfter())
        && Double.isFinite(r.fairDisparityBefore()) && Double.isFinite(r.fairDisparityAfter());
    return both ? Optional.of(new Matched(r.baseDisparityBefore(), r.baseDisparityAfter(), r.fairDisparityBefore(),
        r.fairDisparityAfter())) : Optional.empty();
  }

  /** The requests' matched means pooled, with the requests that measured something in one run only. */
  static Row allGroups(List<Request> requests) {
    Mean[] m = {new Mean(), new Mean(), new Mean(), new Mean()};
    long compared = 0;
    long leftOut = 0;
    for (Request r : requests) {
      Optional<Matched> matched = matched(r);
      if (matched.isPresent()) {
        compared++;
        m[0].add(matched.get().baseBefore());
        m[1].add(matched.get().baseAfter());
        m[2].add(matched.get().fairBefore());
        m[3].add(matched.get().fairAfter());
      } else if (measuredInOneRun(r)) {
        leftOut++;
      }
    }
    return new Row(ALL_GROUPS, compared, m[0], m[1], m[2], m[3], leftOut);
  }

  /** Per group (in first-seen order), over the requests whose both runs measured it. */
  static List<Row> byGroup(List<Request> requests) {
    Map<String, long[]> counts = new LinkedHashMap<>(); // compared, left out
    Map<String, Mean[]> means = new LinkedHashMap<>();
    for (Request r : requests) {
      Map<String, GroupValues> before = r.groupsBefore() == null ? Map.of() : r.groupsBefore();
      Map<String, GroupValues> after = r.groupsAfter() == null ? Map.of() : r.groupsAfter();
      List<String> groups = new ArrayList<>(before.keySet());
      after.keySet().stream().filter(g -> !before.containsKey(g)).forEach(groups::add);
      for (String g : groups) {
        boolean b = before.containsKey(g) && before.get(g).measured();
        boolean a = after.containsKey(g) && after.get(g).measured();
        long[] c = counts.computeIfAbsent(g, x -> new long[2]);
        Mean[] m = means.computeIfAbsent(g, x -> new Mean[] {new Mean(), new Mean(), new Mean(), new Mean()});
        if (a && b) {
          c[0]++;
          m[0].add(before.get(g).base());
          m[1].add(after.get(g).base());
          m[2].add(before.get(g).fair());
          m[3].add(after.get(g).fair());
        } else if (a || b) {
          c[1]++;
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    counts.forEach((g, c) -> {
      Mean[] m = means.get(g);
      rows.add(new Row(g, c[0], m[0], m[1], m[2], m[3], c[1]));
    });
    return rows;
  }

  private static boolean measuredInOneRun(Request r) {
    boolean before = Double.isFinite(r.baseDisparityBefore()) || Double.isFinite(r.fairDisparityBefore())
        || r.groupsBefore() != null && r.groupsBefore().values().stream().anyMatch(GroupValues::measured);
    boolean after = Double.isFinite(r.baseDisparityAfter()) || Double.isFinite(r.fairDisparityAfter())
        || r.groupsAfter() != null && r.groupsAfter().values().stream().anyMatch(GroupValues::measured);
    return before || after;
  }
}
