package io.equistream.lm;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * Softmax over each row of a [rows, vocab] block, run by ONNX Runtime (its vectorized kernel, on
 * the buffers in place): the per-step cost that dominated the Java side, 50,257 exponentials per
 * row. The graph (one Softmax node) is made by models/scripts/make_softmax_graph.py. Owned by the
 * engine thread.
 */
final class NativeSoftmax implements AutoCloseable {
  private final OrtEnvironment env;
  private final OrtSession session;

  NativeSoftmax(OrtEnvironment env, int threads) {
    this.env = env;
    try (InputStream graph = NativeSoftmax.class.getResourceAsStream("softmax.onnx");
        OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      if (graph == null) {
        throw new ModelLoadException("softmax.onnx is missing from the classpath");
      }
      // Never spinning: a second intra-op pool whose threads spin after each softmax takes the cores
      // from the model's own pool (16 rows of GPT-2 124M: 95 ms per step with spinning softmax
      // threads, 52 ms without). Without spinning, as many threads as the model's pool pay off at
      // 144 rows (7.3 M exponentials a step) and cost nothing measurable at one row.
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.addConfigEntry("session.intra_op.allow_spinning", "0");
      this.session = env.createSession(graph.readAllBytes(), options);
    } catch (IOException | OrtException e) {
      throw new ModelLoadException("cannot load the softmax graph: " + e.getMessage(), e);
    }
  }

  /** probs[r, :] = softmax(logits[r, :]) for the first {@code rows} rows (both direct buffers of rows x vocab floats). */
  void run(FloatBuffer logits, FloatBuffer probs, int rows, int vocab) {
    long[] shape = {rows, vocab};
    try (OnnxTensor in = OnnxTensor.createTensor(env, logits, shape);
        OnnxTensor out = OnnxTensor.createTensor(env, probs, shape);
        OrtSession.Result ignored = session.run(Map.of("logits", in), Map.of("probs", out))) {
      // written in place
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime softmax failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the softmax session", e);
    }
  }
}
