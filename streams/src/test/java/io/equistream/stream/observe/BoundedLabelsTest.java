package io.equistream.stream.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Label values come from a closed set, so hostile requests cannot grow the number of series. */
class BoundedLabelsTest {
  private static final Pattern LABELS = Pattern.compile("^(equistream_[a-z_]+)\\{([^}]*)}", Pattern.MULTILINE);

  @Test
  void tenThousandDistinctMethodStringsAddNoSeries() {
    try (ServiceMetrics metrics = new ServiceMetrics()) {
      metrics.answered(completion("ok", CompletionStatus.OK, "multi"), audit("multi", "gender"));
      int afterTen = 0;
      for (int i = 0; i < 10_000; i++) {
        String hostile = "m\u0000" + i + "\"}\nfake_metric 1 " + "x".repeat(i % 50);
        metrics.answered(completion("r" + i, CompletionStatus.REJECTED, hostile), null);
        if (i == 9) {
          afterTen = equistreamSeries(metrics.scrape()).size();
        }
      }
      String scrape = metrics.scrape();
      Set<String> series = equistreamSeries(scrape);
      assertEquals(afterTen, series.size(), "9,990 more distinct method strings added series");
      PrometheusText text = new PrometheusText(scrape);
      assertEquals(10_000, text.sum("equistream_requests_total", "status=\"rejected\"", "method=\"other\""));
      assertTrue(!scrape.contains("fake_metric"), "a label value broke out of the exposition format");
    }
  }

  @Test
  void onlyKnownGroupsBecomeLabels() {
    try (ServiceMetrics metrics = new ServiceMetrics()) {
      for (int i = 0; i < 500; i++) {
        metrics.answered(completion("r" + i, CompletionStatus.OK, "equitune"), audit("equitune", "group-" + i));
      }
      Set<String> groups = new TreeSet<>();
      Matcher m = Pattern.compile("group=\"([^\"]*)\"").matcher(metrics.scrape());
      while (m.find()) {
        groups.add(m.group(1));
      }
      assertTrue(groups.size() <= ServiceMetrics.MAX_LEARNED_GROUPS + 1, groups.size() + " group labels: " + groups);
      assertTrue(groups.contains("other"), groups.toString());
    }
  }

  @Test
  void theGroupsOfTheGroupsFileAreKnownUpFront() {
    try (ServiceMetrics metrics = new ServiceMetrics(io.micrometer.core.instrument.Clock.SYSTEM, 10,
        MetricLabels.knownGroups(List.of("gender", "race")), CrashLoopLimit.DEFAULT)) {
      metrics.answered(completion("a", CompletionStatus.OK, "multi"), audit("multi", "gender"));
      metrics.answered(completion("b", CompletionStatus.OK, "multi"), audit("multi", "caste"));
      PrometheusText text = new PrometheusText(metrics.scrape());
      assertEquals(1, text.sum("equistream_disparity_base_count", "group=\"gender\""));
      assertEquals(1, text.sum("equistream_disparity_base_count", "group=\"other\""));
    }
  }

  private static Set<String> equistreamSeries(String scrape) {
    Set<String> out = new TreeSet<>();
    Matcher m = LABELS.matcher(scrape);
    while (m.find()) {
      out.add(m.group(1) + "{" + m.group(2) + "}");
    }
    return out;
  }

  private static FairCompletion completion(String id, CompletionStatus status, String method) {
    return FairCompletion.newBuilder().setRequestId(id).setStatus(status).setMethod(method).setCompletionTokens(4)
        .setTotalMs(50).build();
  }

  private static FairnessAudit audit(String method, String group) {
    return FairnessAudit.newBuilder().setRequestId("a").setStatus(CompletionStatus.OK).setMethod(method).setSteps(4)
        .setInterventionRate(0.25).setDisparities(List.of(GroupDisparity.newBuilder().setGroup(group)
            .setBaseMean(0.2).setBaseMax(0.3).setFairMean(0.0).setFairMax(0.0).build()))
        .build();
  }
}
