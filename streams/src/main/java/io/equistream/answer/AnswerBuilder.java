package io.equistream.answer;

import io.equistream.decode.EngineOutcome;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.serde.AvroSerde;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Avro answer (completion + audit) of one request: OK from the engine's result, REJECTED or
 * FAILED with the reason. Oversized answers fail loudly: a FAILED completion that says how big,
 * never a record the broker would refuse.
 */
public final class AnswerBuilder {
  private static final Logger LOG = LoggerFactory.getLogger(AnswerBuilder.class);

  private final CompletionRecords records;
  private final int maxOutputBytes;
  private final AvroSerde<FairCompletion> completionSerde = AvroSerde.of(FairCompletion.class);
  private final AvroSerde<FairnessAudit> auditSerde = AvroSerde.of(FairnessAudit.class);

  public AnswerBuilder(ServiceIdentity identity, int maxOutputBytes) {
    this.records = new CompletionRecords(identity);
    this.maxOutputBytes = maxOutputBytes;
  }

  /** The records the answers are made of (also the chunks of streamed answers). */
  public CompletionRecords records() {
    return records;
  }

  /** The answer to what the engine made of the request. */
  public CompletionRecords.Answer of(PendingPrompt prompt, EngineOutcome outcome) {
    Instant completedAt = Instant.ofEpochMilli(Math.max(outcome.finishedAtMillis(), prompt.arrivalMillis()));
    if (!outcome.ok()) {
      return failed(prompt, outcome.failure(), completedAt);
    }
    long queueMs = outcome.admittedAtMillis() == 0 ? 0 : Math.max(0, outcome.admittedAtMillis() - prompt.arrivalMillis());
    return sizeChecked(prompt, records.ok(prompt, outcome.result(), queueMs, outcome.inferenceMs(), completedAt),
        completedAt);
  }

  public CompletionRecords.Answer rejected(PendingPrompt prompt, String reason, Instant completedAt) {
    return sizeChecked(prompt, records.notServed(prompt, CompletionStatus.REJECTED, reason, completedAt), completedAt);
  }

  public CompletionRecords.Answer failed(PendingPrompt prompt, String reason, Instant completedAt) {
    return sizeChecked(prompt, records.notServed(prompt, CompletionStatus.FAILED, reason, completedAt), completedAt);
  }

  private CompletionRecords.Answer sizeChecked(PendingPrompt prompt, CompletionRecords.Answer answer,
      Instant completedAt) {
    int completionBytes = completionSerde.serializer().serialize("", answer.completion()).length;
    int auditBytes = auditSerde.serializer().serialize("", answer.audit()).length;
    if (completionBytes <= maxOutputBytes && auditBytes <= maxOutputBytes) {
      return answer;
    }
    String reason = "answer too large: completion " + completionBytes + " bytes, audit " + auditBytes
        + " bytes; equistream.limit.max.output.bytes=" + maxOutputBytes;
    LOG.error("request {}: {}", prompt.request().getRequestId(), reason);
    return records.notServed(prompt, CompletionStatus.FAILED, reason, completedAt);
  }
}
