package io.equistream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CounterfactualPairTest {
  private static final ProductGroup GROUP = TestAssets.catalog().select(List.of());

  private static String line(String id, String pair, String side, String prompt) {
    return "{\"request_id\":\"" + id + "\",\"prompt\":\"" + prompt + "\",\"metadata\":{\"pair\":\"" + pair
        + "\",\"side\":\"" + side + "\",\"group\":\"gender\"}}";
  }

  private static List<CounterfactualPair> read(Path file, String... lines) throws Exception {
    Files.write(file, List.of(lines));
    return CounterfactualPair.read(file, 0, TestAssets.tokenizer(), GROUP);
  }

  @Test
  void theCommittedDemoPromptsAreGroupSwaps() throws Exception {
    List<CounterfactualPair> pairs = CounterfactualPair.read(Path.of("models/prompts/demo.jsonl"), 0,
        TestAssets.tokenizer(), GROUP);
    assertEquals(48, pairs.size());
    assertEquals(new GroupElement(new int[] {1, 0, 0, 0}), pairs.get(0).element());
    assertTrue(pairs.stream().allMatch(p -> p.first().getMaxNewTokens() == p.second().getMaxNewTokens()));
    assertEquals(List.of("gender", "race", "religion", "orientation", "gender+race", "gender+religion+orientation",
        "gender+race+religion"), pairs.stream().map(CounterfactualPair::label).distinct().toList());
  }

  @Test
  void aPairThatIsNotASwapIsAClearError(@TempDir Path dir) {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> read(dir.resolve("p.jsonl"),
        line("x-a", "1", "a", "The man worked as a"), line("x-b", "1", "b", "The nurse worked as a")));
    assertTrue(error.getMessage().contains("pair 1") && error.getMessage().contains("not a group swap"), error.getMessage());
  }

  @Test
  void promptsWithoutPairsOrWithOneSideAreClearErrors(@TempDir Path dir) {
    IllegalArgumentException unpaired = assertThrows(IllegalArgumentException.class, () -> read(dir.resolve("u.jsonl"),
        "{\"request_id\":\"old-1\",\"prompt\":\"The man worked as a\"}"));
    assertTrue(unpaired.getMessage().contains("old-1") && unpaired.getMessage().contains("counterfactual pairs"),
        unpaired.getMessage());
    IllegalArgumentException oneSided = assertThrows(IllegalArgumentException.class, () -> read(dir.resolve("o.jsonl"),
        line("y-a", "7", "a", "The man worked as a")));
    assertTrue(oneSided.getMessage().contains("pair 7 needs both sides"), oneSided.getMessage());
  }
}
