package io.equistream.decode;

import io.equistream.audit.AuditTrail;
import io.equistream.audit.StepAudit;
import io.equistream.audit.StepAuditor;
import io.equistream.audit.TokenRanking;
import io.equistream.equivariance.FairDistribution;
import io.equistream.equivariance.FairResult;
import io.equistream.equivariance.RowOutputs;
import io.equistream.equivariance.VariantPlan;
import io.equistream.lm.GptTokenizer;
import io.equistream.lm.LmSequence;
import io.equistream.lm.OnnxCausalLm;
import io.equistream.lm.StepOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One request's decoding state: its variant rows, and per step the fair distribution over them,
 * the chosen token (appended to the original sequence and, transformed, to every variant), the
 * step's audit and the stop conditions. Touched by one thread at a time (the engine's).
 */
final class RequestDecoder {
  final FairRequest request;
  final VariantPlan plan;
  final FairDistribution distribution;
  final StepAuditor auditor;
  final VariantRows rows;
  private final GptTokenizer tokenizer;
  private final int maxPositions;
  private final AuditTrail audit;
  private final SplittableRandom random;
  /** The request's orbits, which the sampler walks as blocks (its draws stay equivariant). */
  private final int[][] orbits;
  private final Long seedUsed;
  private final List<Integer> completion = new ArrayList<>();
  /** Tokens an earlier run already showed: chosen again at their steps (see Submission). */
  private final int[] forced;
  private final List<Long> sequencesPerStep = new ArrayList<>();
  private long forwardSequences;
  private long equituneSequences;
  /** The completion cut before its stop string, once one was generated. */
  private String stoppedText;
  private FinishReason finish;

  RequestDecoder(FairRequest request, EngineSettings settings, GptTokenizer tokenizer, int maxPositions, int[] forced) {
    this.request = request;
    this.forced = forced;
    this.tokenizer = tokenizer;
    this.maxPositions = maxPositions;
    this.plan = request.plan();
    this.distribution = new FairDistribution(plan, request.aggregation());
    this.auditor = new StepAuditor(distribution);
    this.rows = new VariantRows(plan, request.promptIds(), settings.dedup(), settings.prefixSharing());
    this.audit = new AuditTrail(request.group());
    this.orbits = request.group().orbits();
    this.seedUsed = request.params().seed(); // a sampled request's seed is chosen by RequestResolver
    this.random = new SplittableRandom(seedUsed == null ? 0 : seedUsed);
    if (request.promptIds().length >= maxPositions) {
      finish = FinishReason.CONTEXT;
    }
  }

  /** The rows the next model call runs: the shared prefix while it is prefilled, else every row. */
  List<LmSequence> nextRows() {
    LmSequence prefix = rows.prefixRow();
    return prefix != null ? List.of(prefix) : rows.rows();
  }

  /** True while some prompt tokens (of the prefix or of a row) are still to be run. */
  boolean prefilling() {
    if (rows.prefixRow() != null) {
      return true;
    }
    for (LmSequence row : rows.rows()) {
      if (row.pending() > 1 || row.computed() == 0) {
        return true;
      }
    }
    return false;
  }

  /** The rows that will exist once the prompt is prefilled (for memory estimates before then). */
  int rowCount() {
    return Math.max(rows.rows().size(), rows.promptRows());
  }

  /**
   * After a model call over {@link #nextRows()}: true when every row ran all its tokens, so the
   * call's outputs are this step's and the request can {@link #advance}. A finished shared prefix
   * forks the rows instead (they still have the rest of the prompt to run).
   */
  boolean readyToAdvance() {
    LmSequence prefix = rows.prefixRow();
    if (prefix != null) {
      if (prefix.pending() == 0) {
        rows.prefixComputed();
      }
      return false;
    }
    for (LmSequence row : rows.rows()) {
      if (row.pending() > 0) {
        return false; // prompt chunks still to come
      }
    }
    return true;
  }

  /** Whether combining needs the rows' logits (aggregate=logits); probabilities are always needed. */
  boolean needsLogits() {
    return request.aggregation() == io.equistream.equivariance.Aggregation.LOGITS;
  }

  /** The first step's fair and base distributions after the prompt, without choosing (for `score`). */
  ScoreResult score(OnnxCausalLm model) {
    LmSequence prefix = rows.prefixRow();
    if (prefix != null) {
      model.step(List.of(prefix));
      rows.prefixComputed();
    }
    int count = rows.rows().size();
    float[][] logits = new float[count][];
    float[][] probs = new float[count][];
    try (StepOutput output = model.stepOutput(rows.rows(), null)) {
      for (int r = 0; r < count; r++) {
        logits[r] = output.logits(r, null);
        probs[r] = output.probs(r, null);
      }
    }
    RowOutputs outputs = new RowOutputs(logits, probs);
    int[] rowOfVariant = rows.rowOfVariant();
    FairResult fair = distribution.combine(rowOfVariant, outputs);
    int token = TokenRanking.argmax(fair.probs());
    StepAudit stepAudit = auditor.audit(0, rowOfVariant, outputs, fair, token);
    return new ScoreResult(fair.probs(), outputs.probs(rowOfVariant[plan.baseVariant()]), logits.length,
        plan.equituneCostPerStep(), stepAudit);
  }

  /** One step: combine the rows into the fair distribution, choose, audit, append or finish. */
  void advance(RowOutputs outputs) {
    int step = completion.size();
    int[] rowOfVariant = rows.rowOfVariant();
    FairResult fair = distribution.combine(rowOfVariant, outputs);
    TokenSampler.Draw draw = TokenSampler.draw(request.params(), random, orbits); // one u: fair and base token
    int token = step < forced.length ? forced[step] : draw.choose(fair.probs()); // draws as the earlier run did
    audit.add(auditor.audit(step, rowOfVariant, outputs, fair, token, draw));
    forwardSequences += outputs.count();
    equituneSequences += plan.equituneCostPerStep();
    sequencesPerStep.add((long) outputs.count());
    if (token == GptTokenizer.END_OF_TEXT) {
      finish = FinishReason.EOS;
      return;
    }
    completion.add(token);
    String stop = request.params().stop();
    String text = stop == null ? null : tokenizer.decode(completionIds()); // decoded per step only to find a stop
    if (text != null && text.contains(stop)) {
      stoppedText = text.substring(0, text.indexOf(stop));
      finish = FinishReason.STOP;
    } else if (completion.size() >= request.params().maxNewTokens()) {
      finish = FinishReason.LENGTH;
    } else if (request.promptIds().length + completion.size() >= maxPositions) {
      finish = FinishReason.CONTEXT;
    } else {
      rows.append(token);
    }
  }

  FinishReason finish() {
    return finish;
  }

  /** Ends the request now (deadline) with what it has. */
  void stop(FinishReason reason) {
    if (finish == null) {
      finish = reason;
    }
  }

  int generated() {
    return completion.size();
  }

  int[] completionIds() {
    return completion.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Gives the rows' caches back (the request is done, cancelled or preempted). */
  void releaseRows() {
    rows.release();
  }

  GenerationResult result() {
    String completionText = stoppedText != null ? stoppedText : tokenizer.decode(completionIds());
    return new GenerationResult(request, completionIds(), completionText, finish, forwardSequences,
        equituneSequences, seedUsed, audit, sequencesPerStep.stream().mapToLong(Long::longValue).toArray());
  }
}
