package io.equistream.fault;

import io.equistream.stream.observe.PrometheusText;
import java.util.Set;
import java.util.TreeSet;

/** One scrape of a service's /metrics (Prometheus text): series ("name{labels}") to value. */
final class Metrics {
  private final PrometheusText text;

  private Metrics(String body) {
    this.text = new PrometheusText(body);
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
    return text.sum(name, labelFragments);
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
    text.all().keySet().stream().filter(k -> k.startsWith("equistream_")).forEach(names::add);
    return names;
  }

  /** Model calls so far with more than {@code rows} rows ({@code rows} must be a bucket bound). */
  double stepRowsAbove(int rows) {
    return value("equistream_model_step_rows_count") - value("equistream_model_step_rows_bucket",
        "le=\"" + rows + ".0\"");
  }
}
