package io.equistream.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.lm.GptTokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Streamed text with the real GPT-2 tokenizer: pieces cut on characters, never past a stop string. */
class StreamedTextTest {
  private static final GptTokenizer TOKENIZER = TestAssets.tokenizer();

  /** Feeds the text's tokens one by one; returns the pieces shown, the last one being the rest of finalText. */
  private static List<String> stream(String text, String stop, String finalText) {
    StreamedText streamed = new StreamedText(TOKENIZER, stop, new int[0], 0);
    List<String> pieces = new ArrayList<>();
    for (int token : TOKENIZER.encode(text)) {
      pieces.add(streamed.add(new int[] {token}));
    }
    pieces.add(streamed.rest(finalText));
    return pieces;
  }

  @Test
  void multiByteCharactersSplitAcrossTokensAreShownWholeAndTheConcatenationIsExact() {
    String text = " Café crème costs 5€ — 😀👍 and 東京 is far; naïve façade ✓.";
    int[] ids = TOKENIZER.encode(text);
    boolean splitsACharacter = false;
    for (int id : ids) {
      splitsACharacter |= TOKENIZER.decode(id).contains("\uFFFD");
    }
    assertTrue(splitsACharacter, "the test text must have a token that ends inside a character");
    List<String> pieces = stream(text, null, text);
    assertEquals(text, String.join("", pieces));
    for (String piece : pieces) {
      assertFalse(piece.contains("\uFFFD"), "a piece shows half a character: " + pieces);
    }
  }

  @Test
  void noPieceRunsPastTheStopStringNorShowsItsBeginningEarly() {
    String text = " The answer is forty-two. STOP here and nothing after";
    String stop = " STOP";
    String finalText = text.substring(0, text.indexOf(stop));
    List<String> pieces = stream(text, stop, finalText);
    assertEquals(finalText, String.join("", pieces));
    StringBuilder shown = new StringBuilder();
    for (String piece : pieces) {
      shown.append(piece);
      assertTrue(finalText.startsWith(shown.toString()), "shown text left the final completion: " + shown);
    }
  }

  @Test
  void aStopStringThatNeverCompletesIsShownInTheEnd() {
    String text = " we stopped short of the STO";
    List<String> pieces = stream(text, " STOP", text);
    assertEquals(text, String.join("", pieces));
    assertTrue(pieces.get(pieces.size() - 1).endsWith(" STO"), "the held-back start of the stop comes last: " + pieces);
  }

  @Test
  void aResumedStreamContinuesAfterWhatWasShown() {
    String text = " Zürich and Genève";
    int[] ids = TOKENIZER.encode(text);
    StreamedText first = new StreamedText(TOKENIZER, null, new int[0], 0);
    StringBuilder shown = new StringBuilder();
    int half = ids.length / 2;
    for (int i = 0; i < half; i++) {
      shown.append(first.add(new int[] {ids[i]}));
    }
    StreamedText resumed = new StreamedText(TOKENIZER, null, first.tokens(), first.shownChars());
    for (int i = half; i < ids.length; i++) {
      shown.append(resumed.add(new int[] {ids[i]}));
    }
    shown.append(resumed.rest(text));
    assertEquals(text, shown.toString());
  }
}
