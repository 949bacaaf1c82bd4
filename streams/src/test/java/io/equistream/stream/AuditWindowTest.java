package io.equistream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The window aggregate over hand-built audits: known means, greedy and sampled apart, not-measured skipped. */
class AuditWindowTest {
  private static FairnessAudit audit(String method, Boolean sampled, int steps, int interventions, double base,
      double fair, double error) {
    return FairnessAudit.newBuilder().setRequestId("r").setStatus(CompletionStatus.OK).setMethod(method)
        .setSteps(steps).setInterventionCount(interventions).setCompletionTokens(steps)
        .setDisparities(List.of(GroupDisparity.newBuilder().setGroup("gender").setBaseMean(base).setBaseMax(base)
            .setFairMean(fair).setFairMax(fair).build()))
        .setFairEquivarianceErrorMax(error).setTotalMs(100).setCreatedAt(Instant.ofEpochMilli(30_000))
        .setSampled(sampled).build();
  }

  @Test
  void greedyAndSampledStepsAreCountedApart() {
    AuditWindow window = new AuditWindow()
        .add(audit("multi", false, 10, 2, 0.1, 1e-8, 2e-8))
        .add(audit("multi", true, 20, 5, 0.3, 3e-8, 4e-8))
        .add(audit("multi", null, 10, 3, 0.2, 2e-8, 1e-8)); // written before v2: in neither split
    AuditSummary s = window.toSummary("multi", "gender", 0, 60_000);
    assertEquals(3, s.getCount());
    assertEquals(0.2, s.getMeanBaseDisparity(), 1e-12);
    assertEquals(0.3, s.getMaxBaseDisparity(), 1e-12);
    assertEquals(2e-8, s.getMeanFairDisparity(), 1e-20);
    assertEquals(4e-8, s.getMaxFairEquivarianceError(), 1e-20);
    assertEquals(10.0 / 40, s.getInterventionRate(), 1e-12);
    assertEquals(10L, s.getGreedySteps());
    assertEquals(2L, s.getGreedyInterventions());
    assertEquals(20L, s.getSampledSteps());
    assertEquals(5L, s.getSampledInterventions());
  }

  @Test
  void notMeasuredValuesAreSkippedAndStayNotMeasured() {
    AuditWindow window = new AuditWindow()
        .add(audit("none", true, 8, 0, Double.NaN, Double.NaN, Double.NaN))
        .add(audit("none", false, 4, 0, Double.NaN, Double.NaN, Double.NaN));
    AuditSummary s = window.toSummary("none", "gender", 0, 60_000);
    assertTrue(Double.isNaN(s.getMeanBaseDisparity()));
    assertTrue(Double.isNaN(s.getMeanFairDisparity()));
    assertTrue(Double.isNaN(s.getMaxFairEquivarianceError()), "none measures no equivariance error (v1 wrote 0)");
    assertEquals(0.0, s.getInterventionRate());
    assertEquals(8L, s.getSampledSteps());
  }
}
