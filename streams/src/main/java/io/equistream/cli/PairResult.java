package io.equistream.cli;

import io.equistream.group.ProductGroup;
import io.equistream.lm.GptTokenizer;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;

/**
 * The four answers to one counterfactual pair (base = method none, fair = the fair method), their
 * swap verdicts and the base disparity the fair requests' audits measured for the swapped groups.
 *
 * @param baseDisparity mean over both sides and the groups the pair's element moves of the audits'
 *     per-completion base disparity (NaN when no audit measured it)
 */
record PairResult(CounterfactualPair pair, FairCompletion baseFirst, FairCompletion baseSecond,
    FairCompletion fairFirst, FairCompletion fairSecond, SwapVerdict base, SwapVerdict fair, double baseDisparity) {

  static PairResult of(CounterfactualPair pair, FairCompletion[] answers, FairnessAudit fairAuditFirst,
      FairnessAudit fairAuditSecond, ProductGroup group, GptTokenizer tokenizer) {
    SwapVerdict base = SwapVerdict.of(group, pair.element(), answers[0], answers[1], tokenizer);
    SwapVerdict fair = SwapVerdict.of(group, pair.element(), answers[2], answers[3], tokenizer);
    double sum = 0;
    int count = 0;
    for (FairnessAudit audit : new FairnessAudit[] {fairAuditFirst, fairAuditSecond}) {
      if (audit == null) {
        continue;
      }
      for (GroupDisparity disparity : audit.getDisparities()) {
        int factor = group.names().indexOf(disparity.getGroup());
        if (factor >= 0 && pair.element().shift(factor) != 0 && !Double.isNaN(disparity.getBaseMean())) {
          sum += disparity.getBaseMean();
          count++;
        }
      }
    }
    return new PairResult(pair, answers[0], answers[1], answers[2], answers[3], base, fair,
        count == 0 ? Double.NaN : sum / count);
  }
}
