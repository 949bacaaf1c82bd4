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
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The fair decoding loop. All distinct variant sequences of all requests in a batch go through the
 * model together, one step per generated token; each request then combines its rows into the fair
 * distribution, picks a token, appends it to the original sequence and, transformed, to every
 * variant.
 */
public final class FairGenerator {
  /** Called after every step (progress, metrics). */
  public interface StepListener {
    void afterStep(int step, int activeRequests, int rowsRun, long stepNanos);
  }

  private final OnnxCausalLm model;
  private final GptTokenizer tokenizer;
  private final boolean dedup;

  public FairGenerator(OnnxCausalLm model, GptTokenizer tokenizer, boolean dedup) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.dedup = dedup;
  }

  public OnnxCausalLm model() {
    return model;
  }

  public GptTokenizer tokenizer() {
    return tokenizer;
  }

  public List<GenerationResult> generate(List<FairRequest> requests) {
    return generate(requests, Long.MAX_VALUE, (step, active, rows, nanos) -> { });
  }

  /**
   * Generates every request; requests still running at {@code deadlineNanos} (System.nanoTime)
   * end with finish reason DEADLINE and what they have so far.
   */
  public List<GenerationResult> generate(List<FairRequest> requests, long deadlineNanos, StepListener listener) {
    List<ActiveRequest> active = new ArrayList<>();
    for (FairRequest request : requests) {
      active.add(new ActiveRequest(request));
    }
    List<ActiveRequest> running = new ArrayList<>(active);
    running.removeIf(request -> request.finish != null);
    try {
      for (int step = 0; !running.isEmpty(); step++) {
        if (System.nanoTime() > deadlineNanos) {
          running.forEach(r -> r.finish = FinishReason.DEADLINE);
          break;
        }
        long started = System.nanoTime();
        List<LmSequence> batchRows = new ArrayList<>();
        for (ActiveRequest request : running) {
          batchRows.addAll(request.rows.rows());
        }
        RowOutputs outputs = RowOutputs.withAllProbs(model.step(batchRows));
        int offset = 0;
        for (ActiveRequest request : running) {
          int count = request.rows.rows().size();
          request.advance(outputs.slice(offset, count));
          offset += count;
        }
        running.removeIf(request -> request.finish != null);
        listener.afterStep(step, running.size(), batchRows.size(), System.nanoTime() - started);
      }
    } finally {
      model.releaseCache();
    }
    List<GenerationResult> results = new ArrayList<>();
    for (ActiveRequest request : active) {
      results.add(request.result());
    }
    return results;
  }

  /** The next-token fair distribution after the prompt (one step), for `score`. */
  public ScoreResult score(FairRequest request) {
    ActiveRequest state = new ActiveRequest(request.forScore()); // symsample: marginalized over g
    try {
      float[][] logits = model.step(state.rows.rows());
      RowOutputs rows = new RowOutputs(logits);
      FairResult fair = state.distribution.combine(state.rows.rowOfVariant(), rows);
      int token = TokenRanking.argmax(fair.probs());
      StepAudit audit = state.auditor.audit(0, state.rows.rowOfVariant(), rows, fair, token);
      return new ScoreResult(fair.probs(), rows.probs(state.rows.rowOfVariant()[state.plan.baseVariant()]),
          logits.length, state.plan.equituneCostPerStep(), audit);
    } finally {
      model.releaseCache();
    }
  }

  /** One request's decoding state. */
  private final class ActiveRequest {
    final FairRequest request;
    final VariantPlan plan;
    final FairDistribution distribution;
    final StepAuditor auditor;
    final VariantRows rows;
    final AuditTrail audit;
    final SplittableRandom random;
    final Long seedUsed;
    final List<Integer> completion = new ArrayList<>();
    final List<Long> sequencesPerStep = new ArrayList<>();
    long forwardSequences;
    long equituneSequences;
    /** The completion cut before its stop string, once one was generated. */
    String stoppedText;
    FinishReason finish;

    ActiveRequest(FairRequest request) {
      this.request = request;
      this.plan = request.plan();
      this.distribution = new FairDistribution(plan, request.aggregation());
      this.auditor = new StepAuditor(distribution);
      this.rows = new VariantRows(plan, request.promptIds(), dedup);
      this.audit = new AuditTrail(request.group());
      this.seedUsed = request.params().seed(); // a sampled request's seed is chosen by RequestResolver
      this.random = new SplittableRandom(seedUsed == null ? 0 : seedUsed);
      if (request.promptIds().length >= model.maxPositions()) {
        finish = FinishReason.CONTEXT;
      }
    }

    void advance(RowOutputs outputs) {
      int step = completion.size();
      int[] rowOfVariant = rows.rowOfVariant();
      FairResult fair = distribution.combine(rowOfVariant, outputs);
      int token = TokenSampler.choose(fair.probs(), request.params(), random);
      audit.add(auditor.audit(step, rowOfVariant, outputs, fair, token));
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
      } else if (request.promptIds().length + completion.size() >= model.maxPositions()) {
        finish = FinishReason.CONTEXT;
      } else {
        rows.append(token);
      }
    }

    int[] completionIds() {
      return completion.stream().mapToInt(Integer::intValue).toArray();
    }

    GenerationResult result() {
      String completionText = stoppedText != null ? stoppedText : tokenizer.decode(completionIds());
      return new GenerationResult(request, completionIds(), completionText, finish, forwardSequences,
          equituneSequences, seedUsed, audit, sequencesPerStep.stream().mapToLong(Long::longValue).toArray());
    }
  }
}
