package io.equistream.stream.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlNamesTest {
  @Test
  void readsMetricsAndLabelsOfDashboardQueries() {
    PromQlNames ratio = new PromQlNames("sum by (group) (rate(equistream_disparity_base_sum{method=~\"$method\"}"
        + "[$__rate_interval])) / sum by (group) (rate(equistream_disparity_base_count{method=~\"$method\"}[5m]))");
    assertEquals(Map.of("equistream_disparity_base_sum", Set.of("method"), "equistream_disparity_base_count",
        Set.of("method")), ratio.metrics);
    assertEquals(Set.of("group"), ratio.groupingLabels);

    PromQlNames quantile = new PromQlNames("histogram_quantile(0.99, sum by (le, method) "
        + "(rate(equistream_request_latency_seconds_bucket[$__rate_interval])))");
    assertEquals(List.of("equistream_request_latency_seconds_bucket"), List.copyOf(quantile.metrics.keySet()));
    assertEquals(Set.of("le", "method"), quantile.groupingLabels);

    PromQlNames plain = new PromQlNames("1 - sum(increase(a_total[$__range])) / 2.5e-3 * max(b{quantile=\"0.9\", g!=\"x\"})"
        + " and on (g) c");
    assertEquals(Map.of("a_total", Set.of(), "b", Set.of("quantile", "g"), "c", Set.of()), plain.metrics);
    assertEquals(Set.of("g"), plain.groupingLabels);
  }

  @Test
  void aMetricTheScrapeLacksIsNamed() {
    // What the dashboard test compares with the scrape: a misspelt metric shows up as its own name.
    PromQlNames typo = new PromQlNames("sum(rate(equistream_tokens_genrated_total[1m]))");
    assertEquals(Set.of("equistream_tokens_genrated_total"), typo.metrics.keySet());
  }
}
