package io.equistream.answer;

import io.equistream.lm.GptTokenizer;
import java.util.Arrays;

/**
 * The text of a streamed answer, as far as it may be shown yet. A byte-level BPE token can end
 * inside a UTF-8 character (the decoder then shows U+FFFD), and the text could be the beginning of
 * the stop string, which the final answer cuts off: both are held back until later tokens settle
 * them. So every text handed out is a prefix of the final completion, and the last piece is the
 * rest of it: the pieces concatenated are exactly the final text.
 */
public final class StreamedText {
  private static final char REPLACEMENT = '\uFFFD';

  private final GptTokenizer tokenizer;
  private final String stop;
  private int[] tokens;
  private int count;
  private int shownChars;

  /** A stream that already showed {@code shownChars} characters of the text of {@code tokens} (after a restore). */
  public StreamedText(GptTokenizer tokenizer, String stop, int[] tokens, int shownChars) {
    this.tokenizer = tokenizer;
    this.stop = stop == null || stop.isEmpty() ? null : stop;
    this.tokens = Arrays.copyOf(tokens, Math.max(16, tokens.length * 2));
    this.count = tokens.length;
    this.shownChars = shownChars;
  }

  /** Adds chosen tokens; returns the text that can be shown now (often all they add, sometimes less or nothing). */
  public String add(int[] newTokens) {
    if (count + newTokens.length > tokens.length) {
      tokens = Arrays.copyOf(tokens, Math.max(tokens.length * 2, count + newTokens.length));
    }
    System.arraycopy(newTokens, 0, tokens, count, newTokens.length);
    count += newTokens.length;
    String text = tokenizer.decode(Arrays.copyOf(tokens, count));
    int end = text.length();
    while (end > shownChars && text.charAt(end - 1) == REPLACEMENT) {
      end--; // maybe an unfinished character: the next token may complete it
    }
    if (stop != null) {
      int found = text.indexOf(stop);
      if (found >= 0) {
        end = Math.min(end, found);
      } else {
        end -= heldForStop(text, end);
      }
    }
    if (end <= shownChars) {
      return "";
    }
    String shown = text.substring(shownChars, end);
    shownChars = end;
    return shown;
  }

  /** Characters at the end of text[0, end) that could be the start of the stop string. */
  private int heldForStop(String text, int end) {
    for (int k = Math.min(stop.length() - 1, end - shownChars); k > 0; k--) {
      if (text.startsWith(stop.substring(0, k), end - k)) {
        return k;
      }
    }
    return 0;
  }

  /** The rest of the final completion: what the last chunk shows. */
  public String rest(String finalText) {
    return finalText.length() >= shownChars ? finalText.substring(shownChars) : "";
  }

  public int tokenCount() {
    return count;
  }

  public int[] tokens() {
    return Arrays.copyOf(tokens, count);
  }

  public int shownChars() {
    return shownChars;
  }
}
