package io.equistream.bench;

import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.lm.GptTokenizer;
import java.util.List;

/**
 * Prefix sharing: the prefill (time to the first token) of a long prompt whose only orbit word sits
 * near its end, under multi over all groups with and without sharing, against the same prompt
 * under none (one row).
 */
final class PrefixBench {
  record Result(int promptTokens, int wordPosition, double noneMs, double sharedMs, double unsharedMs) {
    double sharedOverNone() {
      return sharedMs / noneMs;
    }
  }

  private PrefixBench() {
  }

  static Result run(FairEngine shared, FairEngine unshared, int promptTokens, int wordPosition) {
    String prompt = prompt(shared.tokenizer(), promptTokens, wordPosition);
    int tokens = shared.tokenizer().encode(prompt).length;
    return new Result(tokens, wordPosition, firstToken(shared, prompt, "none"), firstToken(shared, prompt, "multi"),
        firstToken(unshared, prompt, "multi"));
  }

  /** Neutral text with one orbit word (" woman") at token {@code wordPosition}. */
  static String prompt(GptTokenizer tokenizer, int tokens, int wordPosition) {
    String head = Workload.prompt(tokenizer, wordPosition, 3).replace(" The answer:", "");
    String tail = Workload.prompt(tokenizer, tokens - wordPosition, 3).replace(" The answer:", "");
    return head + " The woman" + tail;
  }

  private static double firstToken(FairEngine engine, String prompt, String method) {
    FairRequest request = engine.resolver().resolve("prefix-" + method, prompt, GenerationParams.greedy(1), method,
        List.of(), "probs");
    return bestMillis(() -> engine.generate(List.of(request)));
  }

  /** The fastest of three timed runs, after one to warm up (ms). */
  static double bestMillis(Runnable run) {
    run.run();
    double best = Double.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      long t0 = System.nanoTime();
      run.run();
      best = Math.min(best, (System.nanoTime() - t0) / 1e6);
    }
    return best;
  }
}
