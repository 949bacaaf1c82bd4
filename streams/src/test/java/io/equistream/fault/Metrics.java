package io.equistream.fault;

import io.equistream.stream.observe.PrometheusText;
import java.time.Duration;
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

  /**
   * Waits until an instance's engine holds requests (its running-requests gauge above 0); returns
   * the index of the port whose engine holds the most at that moment.
   */
  static int awaitGenerating(Duration timeout, int... ports) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      double[] running = new double[ports.length];
      int busiest = 0;
      for (int i = 0; i < ports.length; i++) {
        running[i] = scrape(ports[i]).valueOrZero("equistream_engine_running_requests");
        busiest = running[i] > running[busiest] ? i : busiest;
      }
      if (running[busiest] > 0) {
        return busiest;
      }
      if (System.nanoTime() >= deadline) {
        throw new AssertionError("no engine held requests within " + timeout);
      }
      Thread.sleep(50);
    }
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
