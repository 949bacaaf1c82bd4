package io.equistream.audit.report;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.FairnessAudit;
import java.util.ArrayList;
import java.util.List;

/** What the readers collected: audits, windowed summaries, and how much was skipped and why. */
final class AuditInput {
  final List<FairnessAudit> audits = new ArrayList<>();
  final List<AuditSummary> summaries = new ArrayList<>();
  /** One line per source, e.g. "audits.jsonl: 120 audits, 3 lines skipped". Shown in the report header. */
  final List<String> sources = new ArrayList<>();
  long skipped;

  AuditDataset dataset() {
    return AuditDataset.of(audits, summaries);
  }
}
