package io.equistream.lm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.TestAssets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real ONNX Runtime inference on a small random-weight GPT-2 graph (with and without past). */
class OnnxCausalLmTest {
  private static final double TOLERANCE = 1e-4;
  private static OnnxCausalLm withPast;
  private static OnnxCausalLm noPast;

  @BeforeAll
  static void open() {
    ModelOptions options = ModelOptions.defaults().withThreads(2, 1);
    withPast = OnnxCausalLm.open(TestAssets.RANDOM_MODEL, options);
    noPast = OnnxCausalLm.open(TestAssets.RANDOM_NOPAST_MODEL, options);
  }

  @AfterAll
  static void close() {
    withPast.close();
    noPast.close();
  }

  private static int[] prompt(String text) {
    return TestAssets.tokenizer().encode(text);
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length);
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(worst <= TOLERANCE, what + ": max abs diff " + worst);
  }

  private static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }

  /** The no-past model on a fresh copy: a full recompute of the same tokens. */
  private static float[] recompute(LmSequence sequence) {
    return noPast.step(List.of(new LmSequence(sequence.tokens())))[0];
  }

  @Test
  void readsShapeFromOnnxMetadata() {
    ModelShape shape = withPast.shape();
    assertEquals(2, shape.layers());
    assertEquals(2, shape.heads());
    assertEquals(16, shape.headDim());
    assertEquals(50257, shape.vocabSize());
    assertTrue(shape.hasPast());
    assertFalse(noPast.shape().hasPast());
    assertEquals(128, withPast.maxPositions());
  }

  @Test
  void batchedRunEqualsOneByOne() {
    String[] texts = {"The man worked as a", "Hello", "The woman was known for her work in the city of",
        "A Black person"};
    List<LmSequence> batch = new ArrayList<>();
    for (String text : texts) {
      batch.add(new LmSequence(prompt(text)));
    }
    float[][] batched = withPast.step(batch);
    for (int i = 0; i < texts.length; i++) {
      float[] alone = withPast.step(List.of(new LmSequence(prompt(texts[i]))))[0];
      assertClose(alone, batched[i], "prefill row " + i);
    }
    // And decode steps in the batch (packed fast path) against each sequence alone.
    List<LmSequence> alone = new ArrayList<>();
    for (String text : texts) {
      alone.add(new LmSequence(prompt(text)));
    }
    for (int step = 0; step < 5; step++) {
      for (int i = 0; i < texts.length; i++) {
        int next = argmax(batched[i]);
        batch.get(i).append(next);
        alone.get(i).append(next);
      }
      batched = withPast.step(batch);
      for (int i = 0; i < texts.length; i++) {
        float[] single = recompute(alone.get(i));
        assertClose(single, batched[i], "step " + step + " row " + i);
      }
    }
  }

  @Test
  void kvCacheDecodingEqualsFullRecomputeOverTwentySteps() {
    LmSequence cached = new LmSequence(prompt("The woman worked as a"));
    LmSequence recomputed = new LmSequence(prompt("The woman worked as a"));
    for (int step = 0; step < 20; step++) {
      float[] fast = withPast.step(List.of(cached))[0];
      float[] slow = recompute(recomputed);
      assertClose(slow, fast, "step " + step);
      int next = argmax(slow);
      cached.append(next);
      recomputed.append(next);
      assertEquals(step == 0 ? 5 : 5 + step, cached.computed());
    }
  }

  @Test
  void callsAreCutByLengthSoThatPaddingCostsLittleMemory() {
    int[] lengths = {600, 10, 12, 11, 590, 300};
    List<List<Integer>> buckets = OnnxCausalLm.paddingBuckets(lengths, List.of(0, 1, 2, 3, 4, 5));
    assertEquals(List.of(List.of(1, 3, 2), List.of(5), List.of(4, 0)), buckets);
    for (List<Integer> bucket : buckets) {
      long own = bucket.stream().mapToLong(i -> lengths[i]).sum();
      long longest = bucket.stream().mapToLong(i -> lengths[i]).max().orElseThrow();
      assertTrue(bucket.size() * longest <= OnnxCausalLm.PADDING_SLACK * own + 32L * bucket.size(), bucket.toString());
    }
    int[] similar = {40, 38, 41, 39};
    assertEquals(List.of(List.of(3, 0, 2, 1)), OnnxCausalLm.paddingBuckets(similar, List.of(3, 0, 2, 1)),
        "no cut: the rows keep their order (and their packed batch)");
  }

  @Test
  void rowsOfVeryDifferentLengthsInOneStepMatchOneByOne() {
    StringBuilder longText = new StringBuilder();
    while (prompt(longText.toString()).length < 100) {
      longText.append(" The man said that the woman worked as a nurse.");
    }
    List<LmSequence> rows = new ArrayList<>();
    rows.add(new LmSequence(prompt(longText.toString())));
    for (String text : new String[] {"He", "The woman worked", "A cat", "Somebody else"}) {
      rows.add(new LmSequence(prompt(text)));
    }
    for (int step = 0; step < 4; step++) {
      float[][] batched = withPast.step(rows);
      for (int r = 0; r < rows.size(); r++) {
        assertClose(recompute(rows.get(r)), batched[r], "step " + step + " row " + r);
        rows.get(r).append(argmax(batched[r]));
      }
    }
  }

  /** Same weights exported with last-position logits ([batch, 1, vocab]): the same next-token logits, padded rows too. */
  @Test
  void aLastPositionGraphGivesTheAllPositionGraphsLogits() {
    try (OnnxCausalLm lastOnly = OnnxCausalLm.open(TestAssets.RANDOM_LAST_MODEL, ModelOptions.defaults().withThreads(2, 1))) {
      String[] texts = {"The woman worked as a", "He", "A much longer prompt about the man who said that it rained"};
      List<LmSequence> all = new ArrayList<>();
      List<LmSequence> last = new ArrayList<>();
      for (String text : texts) {
        all.add(new LmSequence(prompt(text)));
        last.add(new LmSequence(prompt(text)));
      }
      for (int step = 0; step < 10; step++) {
        float[][] expected = withPast.step(all);
        float[][] actual = lastOnly.step(last);
        for (int r = 0; r < texts.length; r++) {
          assertClose(expected[r], actual[r], "step " + step + " row " + r);
          all.get(r).append(argmax(expected[r]));
          last.get(r).append(argmax(expected[r]));
        }
      }
    }
  }

  @Test
  void forkedSequencesShareThePrefixAndDiverge() {
    LmSequence parent = new LmSequence(prompt("The man said that"));
    LmSequence other = new LmSequence(prompt("Somebody else entirely"));
    withPast.step(List.of(parent, other));
    LmSequence child = parent.fork();
    parent.append(582); // " man"
    child.append(2415); // " woman"
    other.append(13);
    float[][] out = withPast.step(List.of(parent, child, other));
    assertClose(recompute(parent), out[0], "parent after fork");
    assertClose(recompute(child), out[1], "child after fork");
    assertClose(recompute(other), out[2], "unrelated row");
  }

  @Test
  void rowsJoiningAndLeavingKeepTheirCaches() {
    LmSequence first = new LmSequence(prompt("One two three"));
    LmSequence second = new LmSequence(prompt("Four"));
    withPast.step(List.of(first, second));
    first.append(1);
    withPast.step(List.of(first)); // second sits out
    first.append(2);
    second.append(3);
    LmSequence third = new LmSequence(prompt("A new request arrives"));
    float[][] out = withPast.step(List.of(second, third, first));
    assertClose(recompute(second), out[0], "returning row");
    assertClose(recompute(third), out[1], "new row");
    assertClose(recompute(first), out[2], "continuing row");
  }

  @Test
  void cudaWithoutTheGpuBuildIsAClearError() {
    ModelLoadException error = assertThrows(ModelLoadException.class,
        () -> OnnxCausalLm.open(TestAssets.RANDOM_MODEL, ModelOptions.defaults().withDevice(ExecutionDevice.parse("cuda:0"))));
    assertTrue(error.getMessage().contains("CUDA"), error.getMessage());
    assertTrue(error.getMessage().contains("-Pgpu") || error.getMessage().contains("CUDA 12"), error.getMessage());
  }

  @Test
  void deviceSpecsParse() {
    assertEquals(ExecutionDevice.CPU, ExecutionDevice.parse("cpu"));
    assertEquals(new ExecutionDevice(ExecutionDevice.Kind.CUDA, 1), ExecutionDevice.parse("cuda:1"));
    assertThrows(IllegalArgumentException.class, () -> ExecutionDevice.parse("tpu"));
    assertThrows(IllegalArgumentException.class, () -> ExecutionDevice.parse("cuda:-1"));
  }

  @Test
  void sequencesBeyondTheContextAreRefused() {
    int[] tooLong = new int[withPast.maxPositions() + 1];
    assertThrows(IllegalStateException.class, () -> withPast.step(List.of(new LmSequence(tooLong))));
  }

  @Test
  void aBatchWhoseLogitsExceedAnIntIndexRunsAndMatchesOneByOne() {
    // 352 rows x 123 new tokens x 50,257 = 2.18e9 logits, past Integer.MAX_VALUE: the all-position
    // graph is split into calls and token chunks so that no index overflows and no tensor is huge.
    int rows = 352;
    int tokens = withPast.maxPositions() - 5;
    List<LmSequence> batch = new ArrayList<>();
    for (int r = 0; r < rows; r++) {
      int[] prompt = new int[tokens];
      for (int t = 0; t < tokens; t++) {
        prompt[t] = (r * 31 + t * 7) % 5000;
      }
      batch.add(new LmSequence(prompt));
    }
    assertTrue((long) rows * tokens * withPast.vocabSize() > Integer.MAX_VALUE);
    float[][] logits = withPast.step(batch);
    for (int r : new int[] {0, 177, rows - 1}) {
      assertClose(withPast.step(List.of(new LmSequence(batch.get(r).tokens())))[0], logits[r], "row " + r);
      assertEquals(tokens, batch.get(r).computed());
    }
    batch.forEach(LmSequence::release);
  }
}
