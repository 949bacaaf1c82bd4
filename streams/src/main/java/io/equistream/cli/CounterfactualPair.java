package io.equistream.cli;

import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;
import io.equistream.group.SwapCheck;
import io.equistream.lm.GptTokenizer;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Two demo prompts that differ only by group words: {@code second} is {@code first} with
 * {@code element} applied token by token (checked on the token ids when the file is read).
 *
 * @param label what the pair swaps, from the prompts file (e.g. "gender", "gender+race")
 */
record CounterfactualPair(String id, String label, PromptRequest first, PromptRequest second, GroupElement element) {

  /** The names of the groups that {@code element} moves (the groups the two prompts differ in). */
  List<String> swappedGroups(ProductGroup group) {
    List<String> names = new ArrayList<>();
    for (int f = 0; f < group.factorCount(); f++) {
      if (element.shift(f) != 0) {
        names.add(group.names().get(f));
      }
    }
    return names;
  }

  /**
   * The pairs of a demo prompts file (AvroJson PromptRequest lines whose metadata holds
   * {@code pair}, {@code side} a|b and {@code group}; made by models/scripts/make_demo_prompts.py).
   *
   * @param limit the first N pairs only (0 = all)
   */
  static List<CounterfactualPair> read(Path file, int limit, GptTokenizer tokenizer, ProductGroup group)
      throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("prompts file not found: " + file);
    }
    Map<String, PromptRequest[]> sides = new LinkedHashMap<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) {
        continue;
      }
      PromptRequest request = AvroJson.fromJson(line, PromptRequest.class);
      Map<String, String> metadata = request.getMetadata();
      String pair = metadata == null ? null : metadata.get("pair");
      String side = pair == null ? null : metadata.get("side");
      if (side == null || !(side.equals("a") || side.equals("b"))) {
        throw new IllegalArgumentException(file + ": request " + request.getRequestId()
            + " has no metadata pair and side a|b; demo prompts come in counterfactual pairs"
            + " (models/scripts/make_demo_prompts.py)");
      }
      sides.computeIfAbsent(pair, p -> new PromptRequest[2])[side.equals("a") ? 0 : 1] = request;
    }
    List<CounterfactualPair> pairs = new ArrayList<>();
    for (Map.Entry<String, PromptRequest[]> entry : sides.entrySet()) {
      if (limit > 0 && pairs.size() == limit) {
        break;
      }
      pairs.add(of(file, entry.getKey(), entry.getValue(), tokenizer, group));
    }
    if (pairs.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no prompt pairs");
    }
    return pairs;
  }

  private static CounterfactualPair of(Path file, String id, PromptRequest[] sides, GptTokenizer tokenizer,
      ProductGroup group) {
    if (sides[0] == null || sides[1] == null) {
      throw new IllegalArgumentException(file + ": pair " + id + " needs both sides a and b");
    }
    int[] first = tokenizer.encode(sides[0].getPrompt());
    int[] second = tokenizer.encode(sides[1].getPrompt());
    GroupElement element = SwapCheck.elementMapping(group, first, second).filter(g -> !g.isIdentity())
        .orElseThrow(() -> new IllegalArgumentException(file + ": pair " + id + " (\"" + sides[0].getPrompt()
            + "\" / \"" + sides[1].getPrompt() + "\") is not a group swap of one prompt into the other"));
    String label = sides[0].getMetadata().getOrDefault("group", group.describe(element));
    return new CounterfactualPair(id, label, sides[0], sides[1], element);
  }
}
