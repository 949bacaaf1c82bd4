package io.equistream.answer;

import io.equistream.lm.GptTokenizer;
import io.equistream.schemas.FairCompletionChunk;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * The chunks of one streamed answer: tokens arrive as the engine chooses them, and each
 * {@link #next} turns those not yet sent into a chunk (sequence 0, 1, 2, ...) with the text they
 * add (see {@link StreamedText}); {@link #last} sends the rest of the final answer with its finish
 * reason. Resumed from the {@link StreamProgress} kept for a buffered request, it continues that
 * sequence and ignores the tokens the engine re-chooses for what was already sent.
 */
public final class ChunkStream {
  private final PendingPrompt prompt;
  private final StreamedText text;
  private int sequence;
  private int[] waiting = new int[0];

  public ChunkStream(GptTokenizer tokenizer, PendingPrompt prompt, StreamProgress sent) {
    this.prompt = prompt;
    this.text = new StreamedText(tokenizer, prompt.request().getStop(), sent.tokens(), sent.shownChars());
    this.sequence = sent.chunks();
  }

  /** Tokens chosen from completion index {@code first} on (earlier ones were sent before a restore). */
  public void chosen(int first, int[] tokens) {
    int known = text.tokenCount() + waiting.length;
    int skip = Math.max(0, known - first);
    if (skip >= tokens.length) {
      return;
    }
    int[] fresh = Arrays.copyOfRange(tokens, skip, tokens.length);
    int[] joined = Arrays.copyOf(waiting, waiting.length + fresh.length);
    System.arraycopy(fresh, 0, joined, waiting.length, fresh.length);
    waiting = joined;
  }

  public boolean hasWaiting() {
    return waiting.length > 0;
  }

  /** A chunk of the tokens chosen since the previous one. */
  public FairCompletionChunk next(CompletionRecords records, Instant at) {
    int[] tokens = waiting;
    waiting = new int[0];
    String shown = text.add(tokens);
    return records.chunk(prompt, sequence++, tokens, shown, text.tokenCount(), null, at);
  }

  /** The last chunk: the final answer's remaining tokens and text, and its finish reason. */
  public FairCompletionChunk last(CompletionRecords records, CompletionRecords.Answer answer, Instant at) {
    List<Integer> ids = answer.completion().getCompletionTokenIds();
    int sent = text.tokenCount();
    int[] rest = ids.size() > sent ? ids.subList(sent, ids.size()).stream().mapToInt(Integer::intValue).toArray()
        : new int[0];
    String finalText = answer.completion().getCompletion();
    return records.chunk(prompt, sequence++, rest, text.rest(finalText == null ? "" : finalText), ids.size(),
        answer.completion().getFinishReason(), at);
  }

  /** What is out so far, to keep with the buffered request. */
  public StreamProgress progress() {
    return new StreamProgress(sequence, text.tokens(), text.shownChars());
  }
}
