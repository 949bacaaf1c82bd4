package io.equistream.lm;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One ONNX Runtime call over rows that each run {@code take[r]} new tokens. Rows either all start
 * from scratch (any take, new tokens right-aligned) or all run the same number of tokens after
 * their cache; either way each row's positions stay contiguous: cache left-padded, then the new
 * tokens. The past is fed straight from the previous call's packed batch when the rows are exactly
 * that batch's rows, else gathered into fresh buffers. Present keys/values and logits are pinned
 * outputs on pooled native buffers: ORT writes them in place and nothing is copied back.
 */
final class ModelCall {
  private final OrtEnvironment env;
  private final OrtSession session;
  private final ModelShape shape;
  private final NativeBuffers pool;

  ModelCall(OrtEnvironment env, OrtSession session, ModelShape shape, NativeBuffers pool) {
    this.env = env;
    this.session = session;
    this.shape = shape;
    this.pool = pool;
  }

  /**
   * Runs the call; when {@code out} is non-null, each row's next-token logits (last position) become
   * row {@code outIndex[r]} of it: the pinned block itself when the call is the whole step ({@code
   * whole}: its rows are the output's, in order, one position each), else copied. Rows are attached
   * to the new packed batch afterwards.
   */
  void run(List<LmSequence> rows, int[] take, StepOutput out, int[] outIndex, boolean whole) throws OrtException {
    int newLength = 0;
    for (int t : take) {
      newLength = Math.max(newLength, t);
    }
    PackedBatch reused = shape.hasPast() ? continuedBatch(rows) : null;
    int pastLength = !shape.hasPast() ? 0 : reused != null ? reused.total : maxComputed(rows);
    Buffers buffers = new Buffers(rows.size(), pastLength, newLength, reused);
    boolean adopted = false;
    try {
      Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
      Map<String, OnnxTensor> outputs = new LinkedHashMap<>();
      if (reused == null && pastLength > 0) {
        gatherPast(rows, buffers);
      }
      putTokenInputs(rows, take, newLength, pastLength, inputs, buffers.tensors);
      bindCaches(buffers, inputs, outputs);
      for (LmSequence row : rows) {
        row.detach(); // its cache was copied (or is fed from `reused`): the old batch may go back early
      }
      try (OrtSession.Result ignored = session.run(inputs, outputs)) {
        // outputs were written into the pinned buffers
      }
      deliverLogits(buffers, out, outIndex, whole);
      if (shape.hasPast()) {
        attachPresent(rows, take, buffers);
      }
      adopted = true;
    } finally {
      buffers.close(adopted, rows);
    }
  }

  /** Past inputs (gathered, reused or empty) and pinned present and logits outputs, layer by layer. */
  private void bindCaches(Buffers buffers, Map<String, OnnxTensor> inputs, Map<String, OnnxTensor> outputs)
      throws OrtException {
    int n = buffers.rows;
    long kvFloats = (long) n * shape.heads() * buffers.total * shape.headDim();
    for (int layer = 0; layer < shape.layers(); layer++) { // no layers listed when the graph has no past
      FloatBuffer pastKey = buffers.pastKeys != null ? buffers.pastKeys[layer].floats()
          : buffers.reused != null ? buffers.reused.keys(layer) : null;
      FloatBuffer pastValue = buffers.pastValues != null ? buffers.pastValues[layer].floats()
          : buffers.reused != null ? buffers.reused.values(layer) : null;
      inputs.put(ModelShape.pastKey(layer), kvTensor(pastKey, n, buffers.pastLength, buffers.tensors));
      inputs.put(ModelShape.pastValue(layer), kvTensor(pastValue, n, buffers.pastLength, buffers.tensors));
      buffers.presentKeys[layer] = pool.acquire(kvFloats);
      buffers.presentValues[layer] = pool.acquire(kvFloats);
      outputs.put(ModelShape.presentKey(layer), kvTensor(buffers.presentKeys[layer].floats(), n, buffers.total,
          buffers.tensors));
      outputs.put(ModelShape.presentValue(layer), kvTensor(buffers.presentValues[layer].floats(), n, buffers.total,
          buffers.tensors));
    }
    buffers.logits = pool.acquire((long) n * buffers.logitPositions * shape.vocabSize());
    outputs.put(ModelShape.LOGITS, track(OnnxTensor.createTensor(env, buffers.logits.floats(),
        new long[] {n, buffers.logitPositions, shape.vocabSize()}), buffers.tensors));
  }

  private void deliverLogits(Buffers buffers, StepOutput out, int[] outIndex, boolean whole) {
    if (out == null) {
      return;
    }
    if (whole && buffers.logitPositions == 1) {
      out.adopt(buffers.logits);
      buffers.logits = null; // the output owns it now
      return;
    }
    for (int r = 0; r < buffers.rows; r++) {
      // rows x positions x vocab: the row's last position
      long offset = ((long) r * buffers.logitPositions + buffers.logitPositions - 1) * shape.vocabSize();
      out.copyRow(outIndex[r], buffers.logits.floats(), Math.toIntExact(offset));
    }
  }

  private void attachPresent(List<LmSequence> rows, int[] take, Buffers buffers) {
    int n = buffers.rows;
    int[] pad = new int[n];
    for (int r = 0; r < n; r++) {
      pad[r] = buffers.total - (rows.get(r).computed + take[r]);
    }
    PackedBatch next = new PackedBatch(n, buffers.total, pad, shape, pool, buffers.presentKeys, buffers.presentValues);
    for (int r = 0; r < n; r++) {
      rows.get(r).attach(next, r, take[r]);
    }
  }

  /** What one call holds: its tensors and pooled blocks, given back by {@link #close} whatever happened. */
  private final class Buffers {
    final int rows;
    final int pastLength;
    final int total;
    final int logitPositions;
    final PackedBatch reused;
    final NativeBuffers.Block[] pastKeys;
    final NativeBuffers.Block[] pastValues;
    final NativeBuffers.Block[] presentKeys;
    final NativeBuffers.Block[] presentValues;
    final List<OnnxTensor> tensors = new ArrayList<>();
    NativeBuffers.Block logits;

    Buffers(int rows, int pastLength, int newLength, PackedBatch reused) {
      this.rows = rows;
      this.pastLength = pastLength;
      this.total = pastLength + newLength;
      this.logitPositions = shape.lastPositionLogits() ? 1 : newLength;
      this.reused = reused;
      boolean gathered = reused == null && pastLength > 0;
      this.pastKeys = gathered ? new NativeBuffers.Block[shape.layers()] : null;
      this.pastValues = gathered ? new NativeBuffers.Block[shape.layers()] : null;
      this.presentKeys = new NativeBuffers.Block[shape.layers()];
      this.presentValues = new NativeBuffers.Block[shape.layers()];
    }

    /** Present blocks stay with the rows' new batch when {@code adopted}; else rows lose their cache. */
    void close(boolean adopted, List<LmSequence> sequences) {
      tensors.forEach(OnnxTensor::close);
      if (logits != null) {
        pool.release(logits);
      }
      releaseAll(pastKeys);
      releaseAll(pastValues);
      if (reused != null) {
        reused.release(); // the hold continuedBatch took for the call
      }
      if (!adopted) {
        releaseAll(presentKeys);
        releaseAll(presentValues);
        for (LmSequence row : sequences) {
          if (row.batch == null) {
            row.computed = 0; // its cache is gone with the failed call: recompute from scratch
          }
        }
      }
    }
  }

  /** The batch whose rows are exactly {@code rows}, in order (then its buffers are the past as they are), held for the call. */
  private static PackedBatch continuedBatch(List<LmSequence> rows) {
    PackedBatch batch = rows.get(0).batch;
    if (batch == null || batch.rows != rows.size()) {
      return null;
    }
    for (int r = 0; r < rows.size(); r++) {
      LmSequence row = rows.get(r);
      if (row.batch != batch || row.batchRow != r || row.computed != batch.total - batch.pad(r)) {
        return null;
      }
    }
    batch.retain();
    return batch;
  }

  private static int maxComputed(List<LmSequence> rows) {
    int max = 0;
    for (LmSequence row : rows) {
      max = Math.max(max, row.computed);
    }
    return max;
  }

  /** Fresh past tensors: each row's cache right-aligned at column pastLength, zeros before it. */
  private void gatherPast(List<LmSequence> rows, Buffers buffers) {
    NativeBuffers.Block[] keys = buffers.pastKeys;
    NativeBuffers.Block[] values = buffers.pastValues;
    int pastLength = buffers.pastLength;
    int n = rows.size();
    long floats = (long) n * shape.heads() * pastLength * shape.headDim();
    for (int layer = 0; layer < shape.layers(); layer++) {
      keys[layer] = pool.acquire(floats);
      values[layer] = pool.acquire(floats);
      for (int r = 0; r < n; r++) {
        LmSequence row = rows.get(r);
        int pad = pastLength - row.computed;
        zeroPad(keys[layer].floats(), r, pastLength, pad);
        zeroPad(values[layer].floats(), r, pastLength, pad);
        if (row.computed > 0) {
          row.batch.copyRow(row.batchRow, row.computed, true, layer, keys[layer].floats(), r, pastLength, pad);
          row.batch.copyRow(row.batchRow, row.computed, false, layer, values[layer].floats(), r, pastLength, pad);
        }
      }
    }
  }

  /** Padded columns must hold finite numbers: masked attention weights are 0, and 0 * NaN is NaN. */
  private void zeroPad(FloatBuffer target, int row, int total, int pad) {
    int headDim = shape.headDim();
    for (int h = 0; h < shape.heads(); h++) {
      int from = (int) (((long) row * shape.heads() + h) * total * headDim);
      for (int done = 0; done < pad * headDim; done += ZEROS.length) {
        target.put(from + done, ZEROS, 0, Math.min(ZEROS.length, pad * headDim - done));
      }
    }
  }

  private static final float[] ZEROS = new float[4096];

  private void putTokenInputs(List<LmSequence> rows, int[] take, int newLength, int pastLength,
      Map<String, OnnxTensor> inputs, List<OnnxTensor> tensors) throws OrtException {
    int n = rows.size();
    int total = pastLength + newLength;
    long[] ids = new long[n * newLength];
    long[] positions = new long[n * newLength];
    long[] mask = new long[n * total];
    for (int r = 0; r < n; r++) {
      LmSequence row = rows.get(r);
      for (int t = pastLength - row.computed; t < pastLength; t++) {
        mask[r * total + t] = 1;
      }
      for (int k = 0; k < take[r]; k++) {
        int slot = newLength - take[r] + k;
        ids[r * newLength + slot] = row.token(row.computed + k);
        positions[r * newLength + slot] = row.computed + k;
        mask[r * total + pastLength + slot] = 1;
      }
    }
    inputs.put(ModelShape.INPUT_IDS, track(OnnxTensor.createTensor(env, LongBuffer.wrap(ids),
        new long[] {n, newLength}), tensors));
    if (shape.hasAttentionMask()) {
      inputs.put(ModelShape.ATTENTION_MASK, track(OnnxTensor.createTensor(env, LongBuffer.wrap(mask),
          new long[] {n, total}), tensors));
    }
    if (shape.hasPositionIds()) {
      inputs.put(ModelShape.POSITION_IDS, track(OnnxTensor.createTensor(env, LongBuffer.wrap(positions),
          new long[] {n, newLength}), tensors));
    }
  }

  private OnnxTensor kvTensor(FloatBuffer data, int rows, int length, List<OnnxTensor> tensors) throws OrtException {
    long[] dims = {rows, shape.heads(), length, shape.headDim()};
    FloatBuffer source = data != null ? data : FloatBuffer.allocate(0);
    return track(OnnxTensor.createTensor(env, source, dims), tensors);
  }

  private static OnnxTensor track(OnnxTensor tensor, List<OnnxTensor> tensors) {
    tensors.add(tensor);
    return tensor;
  }

  private void releaseAll(NativeBuffers.Block[] blocks) {
    if (blocks == null) {
      return;
    }
    for (NativeBuffers.Block block : blocks) {
      if (block != null) {
        pool.release(block);
      }
    }
  }
}
