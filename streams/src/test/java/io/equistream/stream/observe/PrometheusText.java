package io.equistream.stream.observe;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** A minimal reader of the Prometheus text format: series ("name{labels}") to value. */
public final class PrometheusText {
  private final Map<String, Double> series = new LinkedHashMap<>();

  public PrometheusText(String text) {
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String value = line.substring(space + 1);
      series.put(line.substring(0, space), switch (value) {
        case "+Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        default -> Double.parseDouble(value);
      });
    }
  }

  /** All series of a metric name (exact name, any labels). */
  Map<String, Double> named(String name) {
    return series.entrySet().stream()
        .filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
  }

  /** Sum over all series of a metric name whose labels contain every given fragment (e.g. status="ok"). */
  public double sum(String name, String... labelFragments) {
    double total = 0;
    boolean any = false;
    for (Map.Entry<String, Double> e : named(name).entrySet()) {
      boolean match = true;
      for (String fragment : labelFragments) {
        match &= e.getKey().contains(fragment);
      }
      if (match) {
        total += e.getValue();
        any = true;
      }
    }
    if (!any) {
      throw new AssertionError("no series " + name + " with " + String.join(",", labelFragments) + " in the scrape");
    }
    return total;
  }

  boolean anyStartingWith(String prefix) {
    return series.keySet().stream().anyMatch(k -> k.startsWith(prefix));
  }

  public Map<String, Double> all() {
    return series;
  }
}
