package io.equistream.decode;

import io.equistream.decode.EngineLoop.Active;
import io.equistream.equivariance.RowOutputs;
import io.equistream.lm.LmSequence;
import io.equistream.lm.OnnxCausalLm;
import io.equistream.lm.StepOutput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One iteration's model calls: a prefill call over prefilling requests (at most the chunk budget
 * of prompt tokens, rows x tokens; {@link PrefillPlan} picks them), then one decoding step over every request that is
 * past its prompt, whose requests then choose their tokens in parallel across the cores. Requests
 * isolated after a failure run in calls of their own.
 */
final class StepRunner {
  private static final Logger LOG = LoggerFactory.getLogger(StepRunner.class);

  private final OnnxCausalLm model;
  private final EngineSettings settings;
  private final StepListener listener;
  private float[][] probBuffers = new float[0][];
  private float[][] logitBuffers = new float[0][];

  StepRunner(OnnxCausalLm model, EngineSettings settings, StepListener listener) {
    this.model = model;
    this.settings = settings;
    this.listener = listener;
  }

  /** Runs the calls of one iteration; returns how many requests advanced by a token. */
  int run(List<Active> running) {
    List<Active> advancedNow = new ArrayList<>();
    prefill(running, advancedNow);
    List<Active> decoding = new ArrayList<>();
    for (Active active : running) {
      if (decodes(active) && !advancedNow.contains(active)) {
        decoding.add(active);
      }
    }
    int advanced = advancedNow.size() + decode(decoding);
    for (Active active : running) {
      if (active.isolated && active.failure == null && active.decoder.finish() == null) {
        advanced += alone(active);
      }
    }
    return advanced;
  }

  /** Past its prompt and still generating in the shared calls. */
  private static boolean decodes(Active active) {
    return !active.isolated && active.decoder.finish() == null && !active.decoder.prefilling();
  }

  private void prefill(List<Active> running, List<Active> advancedNow) {
    List<Active> candidates = new ArrayList<>();
    for (Active active : running) {
      if (!active.isolated && active.decoder.finish() == null && active.decoder.prefilling()) {
        candidates.add(active);
      }
    }
    if (candidates.isEmpty()) {
      return;
    }
    int budget = running.stream().anyMatch(StepRunner::decodes) ? settings.prefillChunkTokens()
        : settings.idlePrefillTokens();
    int[] rows = new int[candidates.size()];
    int[] pending = new int[candidates.size()];
    for (int i = 0; i < rows.length; i++) {
      List<LmSequence> own = candidates.get(i).decoder.nextRows();
      rows[i] = own.size();
      pending[i] = own.get(0).pending();
    }
    int[] takes = PrefillPlan.takes(rows, pending, budget);
    List<Active> selected = new ArrayList<>();
    List<Integer> selectedTakes = new ArrayList<>();
    for (int i = 0; i < takes.length; i++) {
      if (takes[i] > 0) {
        selected.add(candidates.get(i));
        selectedTakes.add(takes[i]);
      }
    }
    advancedNow.addAll(call(selected, selectedTakes));
  }

  private int decode(List<Active> decoding) {
    return decoding.isEmpty() ? 0 : call(decoding, null).size();
  }

  /** A request isolated after a failed shared call: its own calls, prefill chunk by chunk. */
  private int alone(Active active) {
    int take = active.decoder.prefilling()
        ? Math.max(1, settings.prefillChunkTokens() / active.decoder.nextRows().size()) : 1;
    return call(List.of(active), List.of(take)).size();
  }

  /**
   * One model call over the requests' next rows ({@code takes}: tokens per row for each request,
   * null = all pending); then each request whose rows ran all their tokens chooses a token.
   * Returns the requests that advanced.
   */
  private List<Active> call(List<Active> actives, List<Integer> takes) {
    List<LmSequence> rows = new ArrayList<>();
    List<Integer> maxTake = new ArrayList<>();
    int[] offsets = new int[actives.size() + 1];
    for (int a = 0; a < actives.size(); a++) {
      List<LmSequence> own = actives.get(a).decoder.nextRows();
      rows.addAll(own);
      for (int r = 0; r < own.size(); r++) {
        maxTake.add(takes == null ? Integer.MAX_VALUE : takes.get(a));
      }
      offsets[a + 1] = rows.size();
    }
    long started = System.nanoTime();
    int[] before = new int[actives.size()];
    boolean[] moved = new boolean[actives.size()];
    try (StepOutput output = model.stepOutput(rows, maxTake.stream().mapToInt(Integer::intValue).toArray())) {
      listener.afterStep(actives.size(), rows.size(), System.nanoTime() - started);
      boolean anyReady = false;
      for (int a = 0; a < actives.size(); a++) {
        before[a] = actives.get(a).decoder.generated();
        moved[a] = actives.get(a).decoder.readyToAdvance();
        anyReady |= moved[a];
      }
      if (anyReady) {
        output.computeProbs(); // one ONNX Runtime softmax over every row, on this (the engine's) thread
        ensureBuffers(rows.size());
        IntStream.range(0, actives.size()).parallel().filter(a -> moved[a]).forEach(a -> {
          RequestDecoder decoder = actives.get(a).decoder;
          decoder.advance(outputs(output, offsets[a], offsets[a + 1], decoder.needsLogits()));
        });
      }
    } catch (RuntimeException | OutOfMemoryError e) {
      failed(actives, e);
      return List.of();
    }
    List<Active> advanced = new ArrayList<>();
    for (int a = 0; a < actives.size(); a++) {
      if (moved[a]) {
        advanced.add(actives.get(a));
        streamNewTokens(actives.get(a), before[a]);
      }
    }
    return advanced;
  }

  /** Rows [from, to) of a step as Java arrays (reused across steps: each is only read during its step). */
  private RowOutputs outputs(StepOutput output, int from, int to, boolean withLogits) {
    float[][] probs = new float[to - from][];
    float[][] logits = new float[to - from][];
    for (int r = from; r < to; r++) {
      probs[r - from] = output.probs(r, probBuffers[r]);
      if (withLogits) {
        logits[r - from] = output.logits(r, logitBuffers[r]);
        logitBuffers[r] = logits[r - from]; // distinct slots per request: safe from parallel advances
      }
    }
    return new RowOutputs(logits, probs);
  }

  private void streamNewTokens(Active active, int before) {
    RequestDecoder decoder = active.decoder;
    if (active.submission.streamed() && decoder.generated() > before) {
      int[] ids = decoder.completionIds();
      active.submission.sink().progress(active.submission, before, Arrays.copyOfRange(ids, before, ids.length));
    }
  }

  /** A shared call failed: nobody knows whose request caused it, so each now runs alone. */
  private void failed(List<Active> actives, Throwable error) {
    if (actives.size() == 1 && actives.get(0).isolated) {
      actives.get(0).failure = error.getMessage() == null ? error.toString() : error.getMessage();
      actives.get(0).decoder.releaseRows();
      return;
    }
    LOG.warn("a model call over {} requests failed ({}); running each of them alone", actives.size(), error.toString());
    for (Active active : actives) {
      active.decoder.releaseRows(); // caches of a failed call are gone: recompute from the prompt
      active.isolated = true;
    }
  }

  /** Arrays reused across steps, one per row position (logit arrays only once a request needs them). */
  private void ensureBuffers(int rows) {
    if (rows > probBuffers.length) {
      int vocab = model.vocabSize();
      float[][] probs = java.util.Arrays.copyOf(probBuffers, rows);
      for (int r = probBuffers.length; r < rows; r++) {
        probs[r] = new float[vocab];
      }
      probBuffers = probs;
      logitBuffers = java.util.Arrays.copyOf(logitBuffers, rows);
    }
  }
}
