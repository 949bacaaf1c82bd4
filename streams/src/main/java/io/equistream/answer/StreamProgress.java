package io.equistream.answer;

/**
 * How much of a streamed answer is already out: {@code chunks} chunks carrying {@code tokens} and
 * {@code shownChars} characters of text. Kept beside the buffered request (changelogged, committed
 * with the chunks), so whoever answers the request next continues the same chunk sequence and
 * re-chooses the tokens already shown rather than new ones.
 */
public record StreamProgress(int chunks, int[] tokens, int shownChars) {
  public static final StreamProgress NONE = new StreamProgress(0, new int[0], 0);

  public boolean started() {
    return chunks > 0;
  }
}
