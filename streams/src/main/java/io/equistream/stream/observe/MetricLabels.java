package io.equistream.stream.observe;

import io.equistream.equivariance.FairnessMethod;
import java.util.Arrays;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Label values from closed sets, so hostile requests cannot create series: each distinct label
 * value is a Prometheus series kept forever, and a REJECTED answer echoes whatever method string
 * the request sent. Methods: the fairness methods; groups: the service's groups file (or, without
 * one, the first {@link #learning} names seen). Anything else is {@value #OTHER}; empty is
 * {@value #UNKNOWN}.
 */
public final class MetricLabels {
  public static final String OTHER = "other";
  public static final String UNKNOWN = "unknown";
  private static final Set<String> METHODS = Arrays.stream(FairnessMethod.values()).map(FairnessMethod::label)
      .collect(Collectors.toUnmodifiableSet());

  private final Set<String> knownGroups;
  private final Set<String> learnedGroups = ConcurrentHashMap.newKeySet();
  private final int maxLearned;

  private MetricLabels(Set<String> knownGroups, int maxLearned) {
    this.knownGroups = knownGroups;
    this.maxLearned = maxLearned;
  }

  /** Exactly these group names (the service's groups file). */
  public static MetricLabels knownGroups(Collection<String> groups) {
    return new MetricLabels(Set.copyOf(groups), 0);
  }

  /** No groups file at hand: the first {@code maxGroups} distinct names become labels. */
  public static MetricLabels learning(int maxGroups) {
    return new MetricLabels(null, maxGroups);
  }

  public String method(CharSequence raw) {
    if (raw == null || raw.length() == 0) {
      return UNKNOWN;
    }
    return METHODS.contains(raw.toString()) ? raw.toString() : OTHER;
  }

  public String group(CharSequence raw) {
    if (raw == null || raw.length() == 0) {
      return UNKNOWN;
    }
    String name = raw.toString();
    if (knownGroups != null) {
      return knownGroups.contains(name) ? name : OTHER;
    }
    if (learnedGroups.contains(name)) {
      return name;
    }
    synchronized (learnedGroups) {
      if (learnedGroups.size() < maxLearned && plainName(name)) {
        learnedGroups.add(name);
        return name;
      }
    }
    return OTHER;
  }

  /** A learned label must look like a groups-file name: short; letters, digits, '-', '_' or '.'. */
  private static boolean plainName(String name) {
    return name.length() <= 64
        && name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.');
  }
}
