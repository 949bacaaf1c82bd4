package io.equistream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import io.equistream.schemas.serde.AvroSerde;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The window aggregate over hand-built audits: known means, greedy and sampled steps apart, and
 * "not measured" (null, or NaN from older writers) read as such and written as null.
 */
class AuditWindowTest {
  private static final Instant T0 = Instant.parse("2026-11-27T12:00:00Z");

  private static FairnessAudit audit(String method, Double base, Double fair, Double error) {
    GroupDisparity gender = GroupDisparity.newBuilder().setGroup("gender").setBaseMean(base).setBaseMax(base)
        .setFairMean(fair).setFairMax(fair).build();
    return FairnessAudit.newBuilder().setRequestId("r").setStatus(CompletionStatus.OK).setMethod(method)
        .setSteps(16).setInterventionCount(2).setDisparities(List.of(gender)).setFairEquivarianceErrorMax(error)
        .setCompletionTokens(16).setTotalMs(400).setCreatedAt(T0.plusSeconds(5)).build();
  }

  @Test
  void aWindowOfUnmeasuredAuditsSummarizesToNull() {
    AuditWindow window = new AuditWindow()
        .add(audit("none", null, null, null))
        .add(audit("none", Double.NaN, Double.NaN, Double.NaN)); // as written before v2
    AuditSummary summary = roundTrip(window.toSummary("none", "gender", T0.toEpochMilli(), T0.toEpochMilli() + 60_000));
    assertEquals(2, summary.getCount());
    assertNull(summary.getMeanBaseDisparity());
    assertNull(summary.getMaxBaseDisparity());
    assertNull(summary.getMeanFairDisparity());
    assertNull(summary.getMaxFairEquivarianceError());
    assertEquals(32, summary.getTokens());
  }

  @Test
  void measuredAuditsAreAveragedAndUnmeasuredOnesSkipped() {
    AuditWindow window = new AuditWindow()
        .add(audit("multi", 0.2, 1e-8, 2e-8))
        .add(audit("multi", 0.4, 3e-8, 1e-8))
        .add(audit("multi", null, null, null));
    AuditSummary summary = roundTrip(window.toSummary("multi", "gender", T0.toEpochMilli(), T0.toEpochMilli() + 60_000));
    assertEquals(3, summary.getCount());
    assertEquals(0.3, summary.getMeanBaseDisparity(), 1e-12);
    assertEquals(0.4, summary.getMaxBaseDisparity(), 1e-12);
    assertEquals(2e-8, summary.getMeanFairDisparity(), 1e-15);
    assertEquals(2e-8, summary.getMaxFairEquivarianceError(), 1e-15);
  }

  @Test
  void greedyAndSampledStepsAreCountedApart() {
    AuditWindow window = new AuditWindow()
        .add(sampled(audit("multi", 0.1, 1e-8, 2e-8), false, 10, 2))
        .add(sampled(audit("multi", 0.3, 3e-8, 4e-8), true, 20, 5))
        .add(sampled(audit("multi", 0.2, 2e-8, 1e-8), null, 10, 3)); // written before v2: in neither split
    AuditSummary s = roundTrip(window.toSummary("multi", "gender", 0, 60_000));
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

  private static FairnessAudit sampled(FairnessAudit audit, Boolean sampled, int steps, int interventions) {
    return FairnessAudit.newBuilder(audit).setSampled(sampled).setSteps(steps).setInterventionCount(interventions)
        .setCompletionTokens(steps).build();
  }

  private static AuditSummary roundTrip(AuditSummary summary) {
    AvroSerde<AuditSummary> serde = AvroSerde.of(AuditSummary.class);
    return serde.deserializer().deserialize("summary", serde.serializer().serialize("summary", summary));
  }
}
