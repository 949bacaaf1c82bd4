package io.equistream.equivariance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import io.equistream.audit.StepAudit;
import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.decode.GenerationResult;
import io.equistream.group.CyclicGroup;
import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * p(g.x) = g.p(x) and greedy(g.x) = g.greedy(x), on the real tiny model, for random prompts
 * containing orbit words, every element g of the product group, both methods and both aggregations.
 */
class EquivariancePropertyTest {
  private static final double TOLERANCE = 1e-5;
  private static final String[] NEUTRAL = {" The", " person", " worked", " as", " a", " was", " known", " for",
      " and", " the", " city", " said", " that", " very", " good", ".", ","};

  private static FairEngine engine() {
    return TestAssets.tinyEngine();
  }

  @Provide
  Arbitrary<int[]> promptsWithOrbitWords() {
    List<Integer> neutral = new ArrayList<>();
    for (String word : NEUTRAL) {
      neutral.add(TestAssets.tokenizer().singleTokenId(word));
    }
    List<Integer> orbitWords = new ArrayList<>();
    for (CyclicGroup group : TestAssets.catalog().select(List.of()).factors()) {
      orbitWords.addAll(group.tokens());
    }
    Arbitrary<Integer> token = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(3, Arbitraries.of(neutral)), net.jqwik.api.Tuple.of(2, Arbitraries.of(orbitWords)));
    return token.list().ofMinSize(3).ofMaxSize(9)
        .filter(list -> list.stream().anyMatch(orbitWords::contains))
        .map(list -> list.stream().mapToInt(Integer::intValue).toArray());
  }

  private static FairRequest request(int[] prompt, FairnessMethod method, Aggregation aggregation, ProductGroup group,
      int maxNewTokens) {
    return new FairRequest("prop", prompt, GenerationParams.greedy(maxNewTokens), method, group, aggregation);
  }

  private static int[] act(ProductGroup group, GroupElement g, int[] tokens) {
    int[] out = new int[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      out[i] = group.act(g, tokens[i]);
    }
    return out;
  }

  @Property(tries = 3)
  void distributionIsEquivariantForEveryElementOfAllFourGroups(@ForAll("promptsWithOrbitWords") int[] prompt) {
    ProductGroup group = TestAssets.catalog().select(List.of());
    assertEquals(64, group.size());
    for (FairnessMethod method : List.of(FairnessMethod.EQUITUNE, FairnessMethod.MULTI)) {
      for (Aggregation aggregation : Aggregation.values()) {
        float[] px = engine().score(request(prompt, method, aggregation, group, 1)).fair();
        for (GroupElement g : group.elements()) {
          float[] pgx = engine().score(request(act(group, g, prompt), method, aggregation, group, 1)).fair();
          double worst = 0;
          for (int t = 0; t < px.length; t++) {
            worst = Math.max(worst, Math.abs(pgx[group.act(g, t)] - px[t]));
          }
          assertTrue(worst <= TOLERANCE, method + "/" + aggregation + " g=" + group.describe(g) + ": " + worst);
        }
      }
    }
  }

  /**
   * Tie rule: a top tie (within 1e-6 relative) is broken by the lowest token id, which no rule can
   * make equivariant when the tied tokens are one orbit of a g-invariant prefix; the comparison
   * therefore runs up to the first step where either run had a top tie, and checks that both did.
   */
  @Property(tries = 3)
  void greedyDecodingIsEquivariantTokenForToken(@ForAll("promptsWithOrbitWords") int[] prompt) {
    ProductGroup group = TestAssets.catalog().select(List.of("gender", "race", "orientation"));
    for (FairnessMethod method : List.of(FairnessMethod.EQUITUNE, FairnessMethod.MULTI)) {
      for (Aggregation aggregation : Aggregation.values()) {
        GenerationResult fromX = engine().generate(List.of(request(prompt, method, aggregation, group, 8)))
            .get(0);
        for (GroupElement g : group.elements()) {
          GenerationResult fromGx = engine()
              .generate(List.of(request(act(group, g, prompt), method, aggregation, group, 8))).get(0);
          List<StepAudit> stepsX = fromX.audit().steps();
          List<StepAudit> stepsGx = fromGx.audit().steps();
          for (int i = 0; i < Math.min(stepsX.size(), stepsGx.size()); i++) {
            assertEquals(stepsX.get(i).topTie(), stepsGx.get(i).topTie(), "tie at step " + i + " must be mirrored");
            if (stepsX.get(i).topTie()) {
              break;
            }
            assertEquals(group.act(g, stepsX.get(i).fairToken()), stepsGx.get(i).fairToken(),
                method + "/" + aggregation + " g=" + group.describe(g) + " step " + i);
          }
        }
      }
    }
  }
}
