package io.equistream.fault;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** One scrape of a service's /metrics (Prometheus text): series ("name{labels}") to value. */
final class Metrics {
  private final Map<String, Double> series = new LinkedHashMap<>();

  private Metrics(String text) {
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

  static Metrics scrape(int port) throws Exception {
    var response = ServiceProcess.get(port, "/metrics");
    if (response.statusCode() != 200) {
      throw new AssertionError("/metrics answered " + response.statusCode());
    }
    return new Metrics(response.body());
  }

  /** The sum over the series of a metric whose labels contain every fragment (e.g. status="ok"); fails when none. */
  double value(String name, String... labelFragments) {
    double total = 0;
    boolean any = false;
    for (Map.Entry<String, Double> e : series.entrySet()) {
      String key = e.getKey();
      if (!key.equals(name) && !key.startsWith(name + "{")) {
        continue;
      }
      boolean match = true;
      for (String fragment : labelFragments) {
        match &= key.contains(fragment);
      }
      if (match) {
        total += e.getValue();
        any = true;
      }
    }
    if (!any) {
      throw new AssertionError("no series " + name + " with " + String.join(",", labelFragments));
    }
    return total;
  }

  /** Like {@link #value}, but 0 when no such series exists yet. */
  double valueOrZero(String name, String... labelFragments) {
    try {
      return value(name, labelFragments);
    } catch (AssertionError none) {
      return 0;
    }
  }

  /** Every series EquiStream itself exports (Kafka's client metrics come and go with connections). */
  Set<String> equistreamSeries() {
    Set<String> names = new TreeSet<>();
    series.keySet().stream().filter(k -> k.startsWith("equistream_")).forEach(names::add);
    return names;
  }

  /** Model calls so far with more than {@code rows} rows ({@code rows} must be a bucket bound). */
  double stepRowsAbove(int rows) {
    return value("equistream_model_step_rows_count") - value("equistream_model_step_rows_bucket",
        "le=\"" + rows + ".0\"");
  }
}
