package io.equistream.bench;

import ai.onnxruntime.OrtException;
import io.equistream.equivariance.FairnessMethod;
import java.util.ArrayList;
import java.util.List;

/**
 * Issue 11's speed targets, measured against this shared machine's drift (tens of percent within
 * minutes): at 1, 9, 16, 32 and 144 rows per step, the fair decoder and the bare ONNX Runtime loop
 * over the same shape run alternately {@code repeats} times, and the best run of each counts (the
 * least disturbed one). The decoder part's single runs stay in its table.
 */
final class SpeedBench {
  /** One shape: the best fair and bare rows/s and their ratio, with the ratio of every alternation. */
  record Result(String method, int attributes, int concurrency, double rowsPerStep, double fairRowsPerSecond,
      double bareRowsPerSecond, double keptOfBare, List<Double> keptPerRepeat) {
  }

  private record Shape(FairnessMethod method, int attributes, boolean many) {
  }

  private static final List<Shape> SHAPES = List.of(new Shape(FairnessMethod.NONE, 0, false),
      new Shape(FairnessMethod.MULTI, 3, false), new Shape(FairnessMethod.NONE, 0, true),
      new Shape(FairnessMethod.EQUITUNE, 3, false), new Shape(FairnessMethod.MULTI, 3, true));

  private SpeedBench() {
  }

  static List<Result> run(DecoderBench bench, List<String> groups, int many, int repeats) throws OrtException {
    List<Result> results = new ArrayList<>();
    for (Shape shape : SHAPES) {
      int concurrency = shape.many() ? many : 1;
      String prompt = BenchCommand.prompt(shape.attributes(), groups);
      double bestFair = 0;
      double bestBare = 0;
      double rowsPerStep = 0;
      List<Double> each = new ArrayList<>();
      for (int i = 0; i < repeats; i++) {
        DecoderBench.Result run = bench.run(shape.method(), true, groups, prompt, shape.attributes(), concurrency, 0,
            true);
        bestFair = Math.max(bestFair, run.rowsPerSecond());
        bestBare = Math.max(bestBare, run.bareRowsPerSecond());
        rowsPerStep = run.sequencesPerStep() * concurrency;
        each.add(run.keptOfBare());
      }
      Result result = new Result(shape.method().label(), shape.attributes(), concurrency, rowsPerStep, bestFair,
          bestBare, bestFair / bestBare, each);
      System.err.printf(java.util.Locale.ROOT, "[speed] %-8s %d attr x%-2d %5.0f rows/step: best fair %.1f rows/s, best"
          + " bare %.1f rows/s, kept %.2f (each alternation %s)%n", result.method(), result.attributes(),
          result.concurrency(), rowsPerStep, bestFair, bestBare, result.keptOfBare(), each);
      results.add(result);
    }
    return results;
  }
}
