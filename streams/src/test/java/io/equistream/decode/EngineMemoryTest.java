package io.equistream.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.equistream.TestAssets;
import io.equistream.lm.GptTokenizer;
import io.equistream.lm.LmSequence;
import io.equistream.lm.ModelOptions;
import io.equistream.lm.OnnxCausalLm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The engine's memory budget, on the real (random-weight) model: requests are admitted while they
 * fit; when generated orbit words fork their rows past the budget, the youngest go back to the
 * queue, are prefilled again later, and answer exactly as they would have with room to spare.
 * Greedy decoding keeps the comparison exact; so that greedy answers fork, the group's orbit is
 * made of the very tokens the random model keeps choosing.
 */
class EngineMemoryTest {
  private static final int REQUESTS = 12;
  private static final int TOKENS = 40;

  private static FairEngine engine(Path groups, long budgetBytes) {
    EngineSettings settings = EngineSettings.defaults(true).withMemoryBytes(budgetBytes);
    return FairEngine.open(TestAssets.RANDOM_MODEL, groups, ModelOptions.defaults().withThreads(2, 1), settings,
        RequestLimits.defaults(), StepListener.NONE);
  }

  private static String prompt(int i) {
    return "Person " + i + " went to";
  }

  private static List<FairRequest> requests(FairEngine engine, String method, List<String> groups) {
    List<FairRequest> requests = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      requests.add(engine.resolver().resolve("m" + i, prompt(i), GenerationParams.greedy(TOKENS),
          method, groups, "probs"));
    }
    return requests;
  }

  @Test
  void forksPastTheBudgetPreemptTheYoungestAndAnswersStayTheSame() throws Exception {
    Path groups = groupOfTheModelsFavouriteTokens();
    List<GenerationResult> roomy;
    long tight;
    try (FairEngine big = engine(groups, 1L << 30)) {
      roomy = big.generate(requests(big, "multi", List.of()));
      assertEquals(0, big.stats().preemptions());
      tight = tightBudget(big);
    }
    long forked = roomy.stream().filter(r -> Arrays.stream(r.sequencesPerStep()).max().orElse(1) > 1).count();
    assertTrue(roomy.stream().allMatch(r -> r.sequencesPerStep()[0] == 1), "a prompt already forks");
    assertTrue(forked >= REQUESTS / 2, "only " + forked + " of " + REQUESTS + " answers forked");
    try (FairEngine squeezed = engine(groups, tight)) {
      List<GenerationResult> results = squeezed.generate(requests(squeezed, "multi", List.of()));
      assertTrue(squeezed.stats().preemptions() > 0, "no request was preempted");
      for (int i = 0; i < REQUESTS; i++) {
        assertArrayEquals(roomy.get(i).completionIds(), results.get(i).completionIds(), "request " + i);
        assertEquals(roomy.get(i).audit().steps().size(), results.get(i).audit().steps().size());
      }
    }
  }

  @Test
  void aRequestThatCanNeverFitIsRefusedWithBothSizes() throws Exception {
    Path groups = groupOfTheModelsFavouriteTokens();
    long budget;
    try (FairEngine big = engine(groups, 1L << 30)) {
      budget = tightBudget(big);
    }
    try (FairEngine tight = engine(groups, budget)) {
      FairRequest huge = tight.resolver().resolve("huge", "A long one", GenerationParams.greedy(100), "multi",
          List.of(), "probs");
      assertEquals(null, tight.admissionProblem(huge), "fits on its own");
      try (FairEngine tiny = engine(groups, budget - (4L << 20))) {
        String problem = tiny.admissionProblem(huge);
        assertTrue(problem != null && problem.contains("3 rows x") && problem.contains("memory budget is"), problem);
        assertTrue(tiny.run(List.of(huge)).get(0).failure().contains("memory budget"), "the engine refuses it too");
      }
    }
  }

  /**
   * A one-group groups file with one orbit: the first word the random model chooses greedily that is
   * not already in its context, and its runner-up at that step. Until then the fair answer is the
   * plain one (no orbit word, one row); there the orbit's two words tie for first, so greedy takes
   * one of them and the request forks. (This random model mostly repeats recent tokens, which is
   * why the orbit cannot simply be its first choice.)
   */
  private static Path groupOfTheModelsFavouriteTokens() throws Exception {
    GptTokenizer tokenizer = TestAssets.tokenizer();
    int[] completion;
    try (FairEngine plain = engine(TestAssets.GROUPS, 1L << 30)) {
      completion = plain.generate(List.of(requests(plain, "none", List.of()).get(0))).get(0).completionIds();
    }
    int[] prompt = tokenizer.encode(prompt(0));
    try (OnnxCausalLm model = OnnxCausalLm.open(TestAssets.RANDOM_MODEL, ModelOptions.defaults().withThreads(2, 1))) {
      for (int step = 0; step < completion.length; step++) {
        int[] context = IntStream.concat(Arrays.stream(prompt), Arrays.stream(completion, 0, step)).toArray();
        Set<Integer> seen = new HashSet<>();
        Arrays.stream(context).forEach(seen::add);
        if (seen.contains(completion[step]) || !isWord(tokenizer, completion[step])) {
          continue;
        }
        float[] logits = model.step(List.of(new LmSequence(context)))[0];
        int[] ranked = IntStream.range(0, logits.length).boxed().sorted(Comparator.comparingDouble(t -> -logits[t]))
            .limit(2).mapToInt(Integer::intValue).toArray();
        if (ranked[0] == completion[step] && !seen.contains(ranked[1]) && isWord(tokenizer, ranked[1])) {
          return groupsFile(tokenizer.decode(ranked[0]), tokenizer.decode(ranked[1]));
        }
      }
    }
    throw new AssertionError("the random model's greedy answer never chose a new word with a new runner-up");
  }

  private static Path groupsFile(String word, String partner) throws Exception {
    Map<String, Object> group = Map.of("name", "favourite", "orbits", List.of(List.of(word, partner)));
    Path file = Files.createTempFile("favourite-groups", ".json");
    new ObjectMapper().writeValue(file.toFile(), Map.of("groups", List.of(group)));
    return file;
  }

  private static boolean isWord(GptTokenizer tokenizer, int token) {
    String word = tokenizer.decode(token);
    return !word.isBlank() && tokenizer.singleTokenId(word) == token;
  }

  /**
   * Room for all twelve requests with one row each (KV for the whole context, twice, and a row of
   * logits), and for any one of them with every variant (3 rows: multi over one C2 group plus the
   * audit's base), but not for most of them forked: the fixed scratch plus 12 rows and 1 MB.
   */
  private static long tightBudget(FairEngine engine) {
    MemoryBudget none = new MemoryBudget(0, engine.model().shape(), engine.model().maxPositions(),
        engine.settings().idlePrefillTokens(), OnnxCausalLm.DEFAULT_MAX_LOGITS_BYTES);
    FairRequest one = requests(engine, "multi", List.of()).get(0);
    return none.reservedBytes() + 12 * none.bytesFor(one, 1) + (1L << 20);
  }
}
