package io.equistream.lm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class GptTokenizerTest {
  private static GptTokenizer tokenizer() {
    return io.equistream.TestAssets.tokenizer();
  }

  @Test
  void encodesKnownGpt2Ids() {
    assertArrayEquals(new int[] {464, 582, 3111, 355, 257}, tokenizer().encode("The man worked as a"));
    assertArrayEquals(new int[] {15496, 220, 995}, tokenizer().encode("Hello  world"));
  }

  @Test
  void endOfTextIsTheLastId() {
    assertEquals(GptTokenizer.END_OF_TEXT, tokenizer().singleTokenId("<|endoftext|>"));
    assertEquals(582, tokenizer().singleTokenId(" man"));
    assertEquals(-1, tokenizer().singleTokenId(" manifestation of"));
  }

  @Test
  void roundTripsMixedScripts() {
    String text = "naïve café — 日本語のテキスト, emoji 🤖🏳️‍🌈, Ελληνικά, עברית, \t tabs\nand  spaces ";
    assertEquals(text, tokenizer().decode(tokenizer().encode(text)));
  }

  @Property(tries = 300)
  void decodeOfEncodeIsIdentity(@ForAll @StringLength(max = 60) String text) {
    // jqwik's strings include lone surrogates, which are not Unicode text; replace them the way UTF-8 would.
    String valid = new String(text.getBytes(java.nio.charset.StandardCharsets.UTF_8),
        java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(valid, tokenizer().decode(tokenizer().encode(valid)));
  }

  @Property(tries = 200)
  void roundTripsArbitraryCodePoints(@ForAll("codePoints") String text) {
    assertEquals(text, tokenizer().decode(tokenizer().encode(text)));
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<String> codePoints() {
    return net.jqwik.api.Arbitraries.integers().between(1, 0x10FFFF)
        .filter(cp -> cp < 0xD800 || cp > 0xDFFF)
        .list().ofMaxSize(24)
        .map(list -> list.stream().collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
            .toString());
  }
}
