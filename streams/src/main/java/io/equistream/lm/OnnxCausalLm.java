package io.equistream.lm;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GPT-2-style causal LM on ONNX Runtime that runs many sequences of different lengths in one
 * call (left padding + attention_mask + position_ids), keeps a KV cache per sequence and returns
 * only last-position logits. Models without past inputs are recomputed in full each step.
 * Not thread-safe: one decoding loop owns it.
 */
public final class OnnxCausalLm implements AutoCloseable {
  private static final int DEFAULT_MAX_POSITIONS = 1024;

  private final OrtEnvironment env;
  private final OrtSession session;
  private final ModelShape shape;
  private final int maxPositions;
  private final String modelId;
  private final String modelDigest;
  private final ExecutionDevice device;
  private PackedBatch packed;

  private OnnxCausalLm(OrtEnvironment env, OrtSession session, ModelShape shape, int maxPositions,
      String modelId, String modelDigest, ExecutionDevice device) {
    this.env = env;
    this.session = session;
    this.shape = shape;
    this.maxPositions = maxPositions;
    this.modelId = modelId;
    this.modelDigest = modelDigest;
    this.device = device;
  }

  /** Opens {@code modelDir/model.onnx}; config.json (optional) supplies n_positions. */
  public static OnnxCausalLm open(Path modelDir, ModelOptions options) {
    Path onnx = modelDir.resolve("model.onnx");
    if (!Files.isDirectory(modelDir)) {
      throw new ModelLoadException("model directory not found: " + modelDir);
    }
    if (!Files.isRegularFile(onnx)) {
      throw new ModelLoadException("no model.onnx in " + modelDir);
    }
    int maxPositions = readMaxPositions(modelDir.resolve("config.json"));
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions sessionOptions = sessionOptions(options)) {
      OrtSession session = env.createSession(onnx.toString(), sessionOptions);
      try {
        ModelShape shape = ModelShape.read(session.getInputInfo(), session.getOutputInfo());
        String id = modelDir.toAbsolutePath().normalize().getFileName().toString();
        return new OnnxCausalLm(env, session, shape, maxPositions, id, sha256Prefix(onnx), options.device());
      } catch (RuntimeException | OrtException e) {
        session.close();
        throw e;
      }
    } catch (OrtException e) {
      throw new ModelLoadException("cannot load " + onnx + ": " + e.getMessage(), e);
    }
  }

  private static OrtSession.SessionOptions sessionOptions(ModelOptions options) throws OrtException {
    OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions();
    sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    sessionOptions.setIntraOpNumThreads(options.intraOpThreads());
    sessionOptions.setInterOpNumThreads(options.interOpThreads());
    ExecutionDevice device = options.device();
    if (device.kind() == ExecutionDevice.Kind.CUDA) {
      if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
        sessionOptions.close();
        throw new ModelLoadException("device " + device + " requested, but this build's ONNX Runtime has no CUDA"
            + " execution provider: rebuild with 'mvn -Pgpu package' (onnxruntime_gpu 1.28.0) and run where"
            + " CUDA 12 and cuDNN 9 are installed");
      }
      try {
        sessionOptions.addCUDA(device.index());
      } catch (OrtException e) {
        sessionOptions.close();
        throw new ModelLoadException("CUDA execution provider failed on " + device + " (needs CUDA 12 + cuDNN 9"
            + " libraries and a visible GPU): " + e.getMessage(), e);
      }
    }
    return sessionOptions;
  }

  private static int readMaxPositions(Path configJson) {
    if (!Files.isRegularFile(configJson)) {
      return DEFAULT_MAX_POSITIONS;
    }
    try {
      JsonNode config = new ObjectMapper().readTree(configJson.toFile());
      JsonNode positions = config.has("n_positions") ? config.get("n_positions") : config.get("max_position_embeddings");
      return positions != null && positions.canConvertToInt() ? positions.asInt() : DEFAULT_MAX_POSITIONS;
    } catch (IOException e) {
      throw new ModelLoadException("cannot read " + configJson + ": " + e.getMessage(), e);
    }
  }

  private static String sha256Prefix(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 20];
      for (int read; (read = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, read);
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  public ModelShape shape() {
    return shape;
  }

  public int vocabSize() {
    return shape.vocabSize();
  }

  public int maxPositions() {
    return maxPositions;
  }

  public String modelId() {
    return modelId;
  }

  /** First 16 hex digits of model.onnx's SHA-256: identifies the exact weights. */
  public String modelDigest() {
    return modelDigest;
  }

  public ExecutionDevice device() {
    return device;
  }

  /**
   * Runs every row's uncomputed tokens and returns each row's next-token logits (last position).
   * Afterwards every row's cache covers all of its tokens.
   */
  public float[][] step(List<LmSequence> rows) {
    if (rows.isEmpty()) {
      return new float[0][];
    }
    for (LmSequence row : rows) {
      if (shape.hasPast() && row.pending() < 1) {
        throw new IllegalStateException("a sequence has no new token to run");
      }
      if (row.length() > maxPositions) {
        throw new IllegalStateException("sequence of " + row.length() + " tokens exceeds the model's "
            + maxPositions + " positions");
      }
    }
    try {
      if (!shape.hasPast()) {
        return recomputeAll(rows);
      }
      return canContinuePacked(rows) ? continuePacked(rows) : repackAndRun(rows);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
    }
  }

  /** Drops the packed cache (call between unrelated batches to free memory). */
  public void releaseCache() {
    if (packed != null) {
      packed.close();
      packed = null;
    }
  }

  private boolean canContinuePacked(List<LmSequence> rows) {
    if (packed == null || packed.rows.size() != rows.size()) {
      return false;
    }
    for (int i = 0; i < rows.size(); i++) {
      LmSequence row = rows.get(i);
      if (packed.rows.get(i) != row || row.packed != packed || row.packedRow != i || row.pending() != 1) {
        return false;
      }
    }
    return true;
  }

  /** Hot path: every row adds one token; feed last step's present tensors back as past. */
  private float[][] continuePacked(List<LmSequence> rows) throws OrtException {
    int batch = rows.size();
    int total = packed.totalLength + 1;
    long[][] mask = new long[batch][];
    long[] inputIds = new long[batch];
    long[] positions = new long[batch];
    for (int r = 0; r < batch; r++) {
      LmSequence row = rows.get(r);
      mask[r] = java.util.Arrays.copyOf(packed.mask[r], total);
      mask[r][total - 1] = 1;
      inputIds[r] = row.token(row.length() - 1);
      positions[r] = row.computed;
    }
    Map<String, OnnxTensor> owned = new HashMap<>();
    Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    try {
      owned.put(ModelShape.INPUT_IDS, longTensor(inputIds, batch, 1));
      if (shape.hasAttentionMask()) {
        owned.put(ModelShape.ATTENTION_MASK, longTensor(flatten(mask, total), batch, total));
      }
      if (shape.hasPositionIds()) {
        owned.put(ModelShape.POSITION_IDS, longTensor(positions, batch, 1));
      }
      inputs.putAll(owned);
      for (int layer = 0; layer < shape.layers(); layer++) {
        inputs.put(ModelShape.pastKey(layer), packed.presentKey(layer));
        inputs.put(ModelShape.pastValue(layer), packed.presentValue(layer));
      }
      OrtSession.Result result = session.run(inputs);
      return adoptResult(result, rows, mask, 1);
    } finally {
      owned.values().forEach(OnnxTensor::close);
    }
  }

  /** Builds fresh past tensors from each row's cache (left-padded) and runs all pending tokens. */
  private float[][] repackAndRun(List<LmSequence> rows) throws OrtException {
    for (LmSequence row : rows) {
      materialize(row);
    }
    releaseCache();
    int batch = rows.size();
    int pastLength = 0;
    int newLength = 0;
    for (LmSequence row : rows) {
      pastLength = Math.max(pastLength, row.computed);
      newLength = Math.max(newLength, row.pending());
    }
    int total = pastLength + newLength;
    long[][] mask = new long[batch][total];
    long[] inputIds = new long[batch * newLength];
    long[] positions = new long[batch * newLength];
    for (int r = 0; r < batch; r++) {
      LmSequence row = rows.get(r);
      int cached = row.computed;
      int pending = row.pending();
      for (int t = pastLength - cached; t < pastLength; t++) {
        mask[r][t] = 1;
      }
      for (int k = 0; k < pending; k++) {
        int slot = newLength - pending + k;
        mask[r][pastLength + slot] = 1;
        inputIds[r * newLength + slot] = row.token(cached + k);
        positions[r * newLength + slot] = cached + k;
      }
    }
    Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
    try {
      inputs.put(ModelShape.INPUT_IDS, longTensor(inputIds, batch, newLength));
      if (shape.hasAttentionMask()) {
        inputs.put(ModelShape.ATTENTION_MASK, longTensor(flatten(mask, total), batch, total));
      }
      if (shape.hasPositionIds()) {
        inputs.put(ModelShape.POSITION_IDS, longTensor(positions, batch, newLength));
      }
      for (int layer = 0; layer < shape.layers(); layer++) {
        inputs.put(ModelShape.pastKey(layer), pastTensor(rows, layer, pastLength, true));
        inputs.put(ModelShape.pastValue(layer), pastTensor(rows, layer, pastLength, false));
      }
      OrtSession.Result result = session.run(inputs);
      return adoptResult(result, rows, mask, newLength);
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  /** Moves a row's cache out of a packed batch that is about to be replaced. */
  private void materialize(LmSequence row) {
    if (row.packed == null) {
      return;
    }
    if (row.packed.isClosed()) {
      row.dropCache(); // its batch is gone: recompute this sequence from scratch
      return;
    }
    row.block = row.packed.extract(row.packedRow, row.computed);
    row.packed = null;
    row.packedRow = -1;
  }

  private OnnxTensor pastTensor(List<LmSequence> rows, int layer, int pastLength, boolean keys)
      throws OrtException {
    int heads = shape.heads();
    int headDim = shape.headDim();
    FloatBuffer data = ByteBuffer.allocateDirect(4 * rows.size() * heads * pastLength * headDim)
        .order(ByteOrder.nativeOrder()).asFloatBuffer();
    for (int r = 0; r < rows.size(); r++) {
      LmSequence row = rows.get(r);
      if (row.computed == 0) {
        continue;
      }
      float[] source = keys ? row.block.keys[layer] : row.block.values[layer];
      int cached = row.computed;
      for (int h = 0; h < heads; h++) {
        int target = ((r * heads + h) * pastLength + (pastLength - cached)) * headDim;
        data.put(target, source, h * cached * headDim, cached * headDim);
      }
    }
    return OnnxTensor.createTensor(env, data, new long[] {rows.size(), heads, pastLength, headDim});
  }

  private float[][] adoptResult(OrtSession.Result result, List<LmSequence> rows, long[][] mask, int newLength) {
    float[][] logits;
    try {
      logits = lastPositionLogits(result, rows.size(), newLength);
    } catch (RuntimeException e) {
      result.close();
      throw e;
    }
    PackedBatch next = new PackedBatch(result, rows, mask, shape);
    releaseCache();
    packed = next;
    for (int r = 0; r < rows.size(); r++) {
      LmSequence row = rows.get(r);
      row.computed = row.length();
      row.block = null;
      row.packed = next;
      row.packedRow = r;
    }
    return logits;
  }

  private float[][] lastPositionLogits(OrtSession.Result result, int batch, int sequenceLength) {
    OnnxTensor logitsTensor = (OnnxTensor) result.get(ModelShape.LOGITS).orElseThrow();
    FloatBuffer all = logitsTensor.getFloatBuffer();
    int vocab = shape.vocabSize();
    float[][] out = new float[batch][vocab];
    for (int r = 0; r < batch; r++) {
      all.get((r * sequenceLength + sequenceLength - 1) * vocab, out[r], 0, vocab);
    }
    return out;
  }

  /** No past inputs: run each row's whole sequence; rows of equal length share a call. */
  private float[][] recomputeAll(List<LmSequence> rows) throws OrtException {
    float[][] out = new float[rows.size()][];
    Map<Integer, List<Integer>> rowsByLength = new LinkedHashMap<>();
    for (int r = 0; r < rows.size(); r++) {
      rowsByLength.computeIfAbsent(rows.get(r).length(), k -> new ArrayList<>()).add(r);
    }
    for (Map.Entry<Integer, List<Integer>> group : rowsByLength.entrySet()) {
      int length = group.getKey();
      List<Integer> members = group.getValue();
      int batch = members.size();
      long[] inputIds = new long[batch * length];
      long[] positions = new long[batch * length];
      long[] mask = new long[batch * length];
      for (int b = 0; b < batch; b++) {
        LmSequence row = rows.get(members.get(b));
        for (int t = 0; t < length; t++) {
          inputIds[b * length + t] = row.token(t);
          positions[b * length + t] = t;
          mask[b * length + t] = 1;
        }
      }
      Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
      try {
        inputs.put(ModelShape.INPUT_IDS, longTensor(inputIds, batch, length));
        if (shape.hasAttentionMask()) {
          inputs.put(ModelShape.ATTENTION_MASK, longTensor(mask, batch, length));
        }
        if (shape.hasPositionIds()) {
          inputs.put(ModelShape.POSITION_IDS, longTensor(positions, batch, length));
        }
        try (OrtSession.Result result = session.run(inputs, java.util.Set.of(ModelShape.LOGITS))) {
          float[][] logits = lastPositionLogits(result, batch, length);
          for (int b = 0; b < batch; b++) {
            out[members.get(b)] = logits[b];
          }
        }
      } finally {
        inputs.values().forEach(OnnxTensor::close);
      }
    }
    return out;
  }

  private OnnxTensor longTensor(long[] data, int rows, int columns) throws OrtException {
    return OnnxTensor.createTensor(env, LongBuffer.wrap(data), new long[] {rows, columns});
  }

  private static long[] flatten(long[][] matrix, int columns) {
    long[] flat = new long[matrix.length * columns];
    for (int r = 0; r < matrix.length; r++) {
      System.arraycopy(matrix[r], 0, flat, r * columns, columns);
    }
    return flat;
  }

  @Override
  public void close() {
    releaseCache();
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the ONNX session", e);
    }
  }
}
