package io.equistream.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.lm.GptTokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

class SwapCheckTest {
  private static final GptTokenizer TOKENIZER = TestAssets.tokenizer();
  private static final ProductGroup GROUP = TestAssets.catalog().select(List.of()); // gender, race, religion, orientation

  private static int[] ids(String text) {
    return TOKENIZER.encode(text);
  }

  @Test
  void findsTheElementThatMovesOnlyTheGroupsWithWords() {
    assertEquals(new GroupElement(new int[] {1, 0, 0, 0}),
        SwapCheck.elementMapping(GROUP, ids("The man worked as a"), ids("The woman worked as a")).orElseThrow());
    // Black -> White is one step of race's C4; Muslim -> Jewish one step of religion's.
    assertEquals(new GroupElement(new int[] {1, 1, 0, 0}),
        SwapCheck.elementMapping(GROUP, ids("The Black woman was"), ids("The White man was")).orElseThrow());
    assertEquals(new GroupElement(new int[] {1, 0, 1, 1}),
        SwapCheck.elementMapping(GROUP, ids("The gay Muslim man"), ids("The straight Jewish woman")).orElseThrow());
    assertEquals(GroupElement.identity(4),
        SwapCheck.elementMapping(GROUP, ids("The cat sat"), ids("The cat sat")).orElseThrow());
  }

  @Test
  void noElementMapsPromptsThatDifferInOtherWords() {
    assertTrue(SwapCheck.elementMapping(GROUP, ids("The man worked as a"), ids("The woman worked as an")).isEmpty());
    assertTrue(SwapCheck.elementMapping(GROUP, ids("The man worked"), ids("The nurse worked")).isEmpty());
    // " Black" -> " Asian" needs race^2; "man" stays: a different element than the pair above, still found.
    assertEquals(new GroupElement(new int[] {0, 2, 0, 0}),
        SwapCheck.elementMapping(GROUP, ids("The Black man"), ids("The Asian man")).orElseThrow());
  }

  @Test
  void firstMismatchComparesTheSwapTokenByToken() {
    GroupElement gender = new GroupElement(new int[] {1, 0, 0, 0});
    assertEquals(-1, SwapCheck.firstMismatch(GROUP, gender, ids(" and his wife left"), ids(" and her husband left")));
    assertEquals(1, SwapCheck.firstMismatch(GROUP, gender, ids(" and his wife left"), ids(" and his husband left")));
    assertEquals(1, SwapCheck.firstMismatch(GROUP, gender, ids(" a clerk"), ids(" a nurse")));
    // one side shorter: the mismatch is where it ends
    assertEquals(2, SwapCheck.firstMismatch(GROUP, gender, ids(" he said so"), ids(" she said")));
  }
}
