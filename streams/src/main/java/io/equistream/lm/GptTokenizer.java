package io.equistream.lm;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** GPT-2 byte-level BPE, loaded offline from a Hugging Face tokenizer.json through DJL. */
public final class GptTokenizer implements AutoCloseable {
  public static final int END_OF_TEXT = 50256;

  private final HuggingFaceTokenizer tokenizer;

  private GptTokenizer(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  public static GptTokenizer load(Path tokenizerJson) {
    if (!Files.isRegularFile(tokenizerJson)) {
      throw new ModelLoadException("tokenizer not found: " + tokenizerJson);
    }
    try {
      // No special tokens, no truncation: the decoder enforces the context limit itself.
      Map<String, String> options =
          Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false",
              "modelMaxLength", String.valueOf(Integer.MAX_VALUE));
      return new GptTokenizer(HuggingFaceTokenizer.newInstance(tokenizerJson, options));
    } catch (IOException | RuntimeException e) {
      throw new ModelLoadException("cannot load tokenizer " + tokenizerJson + ": " + e.getMessage(), e);
    }
  }

  public int[] encode(String text) {
    long[] ids = tokenizer.encode(text, false, false).getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  public String decode(int[] ids) {
    long[] longs = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      longs[i] = ids[i];
    }
    return tokenizer.decode(longs, false);
  }

  public String decode(int id) {
    return decode(new int[] {id});
  }

  /** The single token id that encodes {@code word} exactly, or -1 when it takes 0 or 2+ tokens. */
  public int singleTokenId(String word) {
    int[] ids = encode(word);
    return ids.length == 1 ? ids[0] : -1;
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
