package io.equistream.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The yardstick: the plainest ONNX Runtime Java decode loop over the same model.onnx. R copies of
 * a prompt, one call for the prompt, then one call per token with ORT's own present tensors fed
 * back as past, logits copied out and argmax per row; no fairness, no audit, no scheduling. The
 * fair decoder is measured against it at the same rows per step, in the same run.
 */
final class BareOrtLoop implements AutoCloseable {
  /** Wall time of one loop: the prompt call plus (tokens - 1) decoding calls over {@code rows} rows. */
  record Result(int rows, int promptTokens, int tokens, double seconds) {
    double rowsPerSecond() {
      return (double) rows * tokens / seconds;
    }

    double msPerStep() {
      return 1000 * seconds / tokens;
    }
  }

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final int layers;

  BareOrtLoop(Path modelDir, int threads) throws OrtException {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      session = env.createSession(modelDir.resolve("model.onnx").toString(), options);
    }
    int count = 0;
    while (session.getInputNames().contains("past_key_values." + count + ".key")) {
      count++;
    }
    layers = count;
  }

  Result run(int[] prompt, int rows, int tokens) throws OrtException {
    long[] pastShape = ((ai.onnxruntime.TensorInfo) session.getInputInfo().get("past_key_values.0.key").getInfo())
        .getShape();
    int heads = (int) pastShape[1];
    int headDim = (int) pastShape[3];
    long started = System.nanoTime();
    Map<String, OnnxTensor> past = new HashMap<>();
    for (int layer = 0; layer < layers; layer++) {
      for (String kind : new String[] {"key", "value"}) {
        past.put("past_key_values." + layer + "." + kind, OnnxTensor.createTensor(env, FloatBuffer.allocate(0),
            new long[] {rows, heads, 0, headDim}));
      }
    }
    long[] ids = new long[rows * prompt.length];
    long[] positions = new long[rows * prompt.length];
    for (int r = 0; r < rows; r++) {
      for (int t = 0; t < prompt.length; t++) {
        ids[r * prompt.length + t] = prompt[t];
        positions[r * prompt.length + t] = t;
      }
    }
    OrtSession.Result previous = null;
    int length = prompt.length;
    int newLength = prompt.length;
    try {
      for (int step = 0; step < tokens; step++) {
        long[] mask = new long[rows * length];
        java.util.Arrays.fill(mask, 1);
        Map<String, OnnxTensor> inputs = new HashMap<>(past);
        inputs.put("input_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(ids), new long[] {rows, newLength}));
        inputs.put("attention_mask", OnnxTensor.createTensor(env, LongBuffer.wrap(mask), new long[] {rows, length}));
        inputs.put("position_ids", OnnxTensor.createTensor(env, LongBuffer.wrap(positions), new long[] {rows, newLength}));
        OrtSession.Result result = session.run(inputs);
        for (String name : new String[] {"input_ids", "attention_mask", "position_ids"}) {
          inputs.get(name).close();
        }
        if (previous != null) {
          previous.close(); // its present tensors were this call's past
        } else {
          past.values().forEach(OnnxTensor::close);
        }
        previous = result;
        ids = argmaxLastPosition((OnnxTensor) result.get("logits").orElseThrow(), rows, newLength);
        positions = new long[rows];
        java.util.Arrays.fill(positions, length);
        past = new HashMap<>();
        for (Map.Entry<String, OnnxValue> output : result) {
          if (output.getKey().startsWith("present.")) {
            past.put(output.getKey().replace("present.", "past_key_values."), (OnnxTensor) output.getValue());
          }
        }
        length++;
        newLength = 1;
      }
    } finally {
      if (previous != null) {
        previous.close();
      }
    }
    return new Result(rows, prompt.length, tokens, (System.nanoTime() - started) / 1e9);
  }

  /** Next tokens: argmax of each row's last-position logits (graphs with last-only or all-position logits). */
  private static long[] argmaxLastPosition(OnnxTensor logits, int rows, int newLength) {
    long[] shape = logits.getInfo().getShape();
    int positions = (int) shape[1];
    int vocab = (int) shape[2];
    FloatBuffer all = logits.getFloatBuffer();
    long[] next = new long[rows];
    for (int r = 0; r < rows; r++) {
      int base = Math.toIntExact(((long) r * positions + positions - 1) * vocab);
      int best = 0;
      for (int t = 1; t < vocab; t++) {
        if (all.get(base + t) > all.get(base + best)) {
          best = t;
        }
      }
      next[r] = best;
    }
    return next;
  }

  @Override
  public void close() throws OrtException {
    session.close();
  }
}
