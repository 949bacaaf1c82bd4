package io.equistream.bench;

import io.equistream.decode.EngineOutcome;
import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.decode.OutcomeSink;
import io.equistream.decode.Submission;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Head-of-line blocking on the engine: how much longer a 1-token request takes while a 60-token
 * request is generating than on an idle engine, in decoding steps of the running batch.
 */
final class HeadOfLineBench {
  record Result(double idleMs, double busyMs, double stepMs, double extraSteps) {
  }

  private HeadOfLineBench() {
  }

  static Result run(FairEngine engine, String method, int longTokens) throws Exception {
    FairRequest shortRequest = engine.resolver().resolve("hol-short", "The woman was known for",
        GenerationParams.greedy(1), method, List.of(), "probs");
    FairRequest longRequest = engine.resolver().resolve("hol-long", "The man worked as a",
        GenerationParams.greedy(longTokens), method, List.of(), "probs");
    double idle = PrefixBench.bestMillis(() -> engine.generate(List.of(shortRequest)));
    List<Long> tokenTimes = new CopyOnWriteArrayList<>();
    CompletableFuture<EngineOutcome> longDone = new CompletableFuture<>();
    engine.submit(new Submission(longRequest, Long.MAX_VALUE, "long", new OutcomeSink() {
      @Override
      public void finished(EngineOutcome outcome) {
        longDone.complete(outcome);
      }

      @Override
      public void progress(Submission submission, int first, int[] tokens) {
        tokenTimes.add(System.nanoTime());
      }
    }, true));
    while (tokenTimes.size() < 5 && !longDone.isDone()) {
      Thread.sleep(1);
    }
    CompletableFuture<Long> shortDone = new CompletableFuture<>();
    long sent = System.nanoTime();
    engine.submit(new Submission(shortRequest, Long.MAX_VALUE, "short", outcome -> shortDone.complete(System.nanoTime()),
        false));
    double busy = (shortDone.get() - sent) / 1e6;
    longDone.get();
    double step = tokenTimes.size() < 2 ? Double.NaN
        : (tokenTimes.get(tokenTimes.size() - 1) - tokenTimes.get(0)) / 1e6 / (tokenTimes.size() - 1);
    return new Result(idle, busy, step, (busy - idle) / step);
  }
}
