package io.equistream.decode;

import io.equistream.decode.EngineLoop.Active;
import io.equistream.lm.LmSequence;
import io.equistream.lm.OnnxCausalLm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One iteration's model calls: a prefill call over the oldest prefilling requests (at most the
 * chunk budget of prompt tokens, rows x tokens), then one decoding step over every request that is
 * past its prompt, whose requests then choose their tokens in parallel across the cores. Requests
 * isolated after a failure run in calls of their own.
 */
final class StepRunner {
  private static final Logger LOG = LoggerFactory.getLogger(StepRunner.class);

  private final OnnxCausalLm model;
  private final EngineSettings settings;
  private final StepListener listener;
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
      if (!active.isolated && active.decoder.finish() == null && !active.decoder.prefilling()
          && !advancedNow.contains(active)) {
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

  private void prefill(List<Active> running, List<Active> advancedNow) {
    List<Active> selected = new ArrayList<>();
    List<Integer> takes = new ArrayList<>();
    int remaining = settings.prefillChunkTokens();
    for (Active active : running) {
      if (active.isolated || active.decoder.finish() != null || !active.decoder.prefilling()) {
        continue;
      }
      List<LmSequence> rows = active.decoder.nextRows();
      int take = Math.min(rows.get(0).pending(), Math.max(1, remaining / rows.size()));
      if (!selected.isEmpty() && rows.size() * take > remaining) {
        break;
      }
      selected.add(active);
      takes.add(take);
      remaining -= rows.size() * take;
      if (remaining <= 0) {
        break;
      }
    }
    if (!selected.isEmpty()) {
      advancedNow.addAll(call(selected, takes));
    }
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
    float[][] logits = logitBuffers(rows.size());
    long started = System.nanoTime();
    try {
      model.step(rows, maxTake.stream().mapToInt(Integer::intValue).toArray(), logits);
    } catch (RuntimeException | OutOfMemoryError e) {
      failed(actives, e);
      return List.of();
    }
    listener.afterStep(actives.size(), rows.size(), System.nanoTime() - started);
    keep(logits);
    int[] before = new int[actives.size()];
    boolean[] moved = new boolean[actives.size()];
    IntStream.range(0, actives.size()).parallel().forEach(a -> {
      RequestDecoder decoder = actives.get(a).decoder;
      before[a] = decoder.generated();
      moved[a] = decoder.afterCall(Arrays.copyOfRange(logits, offsets[a], offsets[a + 1]));
    });
    List<Active> advanced = new ArrayList<>();
    for (int a = 0; a < actives.size(); a++) {
      if (moved[a]) {
        advanced.add(actives.get(a));
        streamNewTokens(actives.get(a), before[a]);
      }
    }
    return advanced;
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

  /** Logit arrays reused across calls (each row's array is only read during its own call). */
  private float[][] logitBuffers(int rows) {
    float[][] view = new float[rows][];
    System.arraycopy(logitBuffers, 0, view, 0, Math.min(rows, logitBuffers.length));
    return view;
  }

  private void keep(float[][] filled) {
    if (filled.length > logitBuffers.length) {
      logitBuffers = Arrays.copyOf(logitBuffers, filled.length);
    }
    System.arraycopy(filled, 0, logitBuffers, 0, filled.length);
  }
}
