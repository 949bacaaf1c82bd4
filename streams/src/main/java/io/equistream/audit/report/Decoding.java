package io.equistream.audit.report;

import io.equistream.schemas.FairnessAudit;

/** How an audited request was decoded (FairnessAudit.sampled; audits before schema v2 do not say). */
enum Decoding {
  GREEDY("greedy"), SAMPLED("sampled"), NOT_RECORDED("not recorded");

  final String label;

  Decoding(String label) {
    this.label = label;
  }

  static Decoding of(FairnessAudit audit) {
    Boolean sampled = audit.getSampled();
    return sampled == null ? NOT_RECORDED : sampled ? SAMPLED : GREEDY;
  }
}
