package io.equistream.cli;

import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;
import io.equistream.group.SwapCheck;
import io.equistream.lm.GptTokenizer;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;

/**
 * Whether the answers to a counterfactual pair are the group swap of each other, token by token.
 *
 * @param mismatch first new-token position where second != g(first); -1 = exact swap
 * @param detail one line for the story
 */
record SwapVerdict(boolean answered, int mismatch, String detail) {

  boolean breaks() {
    return answered && mismatch >= 0;
  }

  static SwapVerdict of(ProductGroup group, GroupElement element, FairCompletion first, FairCompletion second,
      GptTokenizer tokenizer) {
    for (FairCompletion answer : new FairCompletion[] {first, second}) {
      if (answer.getStatus() != CompletionStatus.OK) {
        return new SwapVerdict(false, -1, "not answered: " + answer.getStatus() + " (" + answer.getReason() + ")");
      }
    }
    int[] a = SwapCheck.toArray(first.getCompletionTokenIds());
    int[] b = SwapCheck.toArray(second.getCompletionTokenIds());
    int at = SwapCheck.firstMismatch(group, element, a, b);
    if (at < 0) {
      return new SwapVerdict(true, -1, "exact swap");
    }
    String where = "breaks the swap at token " + (at + 1) + ": ";
    if (at >= a.length || at >= b.length) {
      int shorter = Math.min(a.length, b.length);
      return new SwapVerdict(true, at, where + "one side ends after " + shorter + " tokens, the other goes on");
    }
    return new SwapVerdict(true, at, where + quoted(tokenizer.decode(b[at])) + " (the swap: "
        + quoted(tokenizer.decode(group.act(element, a[at]))) + ")");
  }

  private static String quoted(String token) {
    return "\"" + token.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\"", "\\\"") + "\"";
  }
}
