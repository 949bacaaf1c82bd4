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
 * call (left padding + attention_mask + position_ids), keeps a KV cache per sequence in pooled
 * native buffers that ORT writes in place (pinned outputs), and returns last-position logits.
 * Graphs whose logits cover every position (the Hugging Face Optimum layout) are run in token
 * chunks so that one call's logits stay under {@link #DEFAULT_MAX_LOGITS_BYTES}; graphs exported
 * with last-position logits ({@code [batch, 1, vocab]}) need no chunking. Models without past
 * inputs are recomputed in full each step. Not thread-safe: one engine thread owns it.
 */
public final class OnnxCausalLm implements AutoCloseable {
  private static final int DEFAULT_MAX_POSITIONS = 1024;
  /** Logits of one call at most (all-position graphs are chunked to stay under it). */
  public static final long DEFAULT_MAX_LOGITS_BYTES = 64L << 20;
  /** A call's padded KV stays within this factor of its rows' own (plus {@link #PADDING_SLACK_TOKENS} a row). */
  public static final double PADDING_SLACK = 1.25;
  static final int PADDING_SLACK_TOKENS = 32;
  /** Native buffers (live and kept for reuse) above which free ones are freed, unless the engine says otherwise. */
  private static final long HELD_BUFFER_BYTES = 1L << 30;
  private static final int MIN_CHUNK = 16;

  private final OrtEnvironment env;
  private final OrtSession session;
  private final ModelShape shape;
  private final int maxPositions;
  private final String modelId;
  private final String modelDigest;
  private final ExecutionDevice device;
  private final NativeBuffers buffers;
  private final ModelCall call;
  private final NativeSoftmax softmax;
  private final long maxLogitsBytes;

  private OnnxCausalLm(OrtEnvironment env, OrtSession session, ModelShape shape, int maxPositions,
      String modelId, String modelDigest, ExecutionDevice device, int softmaxThreads) {
    this.env = env;
    this.session = session;
    this.shape = shape;
    this.maxPositions = maxPositions;
    this.modelId = modelId;
    this.modelDigest = modelDigest;
    this.device = device;
    this.maxLogitsBytes = DEFAULT_MAX_LOGITS_BYTES;
    this.buffers = new NativeBuffers(HELD_BUFFER_BYTES);
    this.call = new ModelCall(env, session, shape, buffers);
    this.softmax = new NativeSoftmax(env, softmaxThreads);
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
        return new OnnxCausalLm(env, session, shape, maxPositions, id, sha256Prefix(onnx), options.device(),
            Math.max(1, options.intraOpThreads()));
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
    // Spin between the nodes of a call, not after it: the step's softmax and the Java mixing, audit
    // and choice run next on these same cores (16 requests of multi on 124M: 35-39 -> 18-24 ms per
    // iteration outside the model, and the model calls themselves 10-15% faster, alternated runs).
    sessionOptions.addConfigEntry("session.force_spinning_stop", "1");
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
    float[][] out = new float[rows.size()][];
    step(rows, out);
    return out;
  }

  /**
   * Like {@link #step(List)}, writing into {@code out[i]} (reused when it has the vocabulary's
   * length, else allocated). Rows with no cache run together, left-padded; rows with a cache run
   * together when they add the same number of tokens (so every row's positions stay contiguous).
   */
  public void step(List<LmSequence> rows, float[][] out) {
    step(rows, null, out);
  }

  /**
   * Runs at most {@code maxTake[i]} of row i's uncomputed tokens (all of them when {@code maxTake}
   * is null): a long prompt can be prefilled over several calls. {@code out[i]} gets row i's logits
   * after the last token it ran (meaningful once the row ran all of its tokens).
   */
  public void step(List<LmSequence> rows, int[] maxTake, float[][] out) {
    try (StepOutput output = stepOutput(rows, maxTake)) {
      for (int i = 0; i < rows.size(); i++) {
        out[i] = output.logits(i, out[i]);
      }
    }
  }

  /**
   * Like {@link #step(List, int[], float[][])}, leaving the logits in native memory, where their
   * probabilities are computed by ONNX Runtime when first asked for. The caller closes the output.
   */
  public StepOutput stepOutput(List<LmSequence> rows, int[] maxTake) {
    for (LmSequence row : rows) {
      if (row.pending() < 1 && shape.hasPast()) {
        throw new IllegalStateException("a sequence has no new token to run");
      }
      if (row.length() > maxPositions) {
        throw new IllegalStateException("sequence of " + row.length() + " tokens exceeds the model's "
            + maxPositions + " positions");
      }
    }
    int[] takes = new int[rows.size()];
    Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
    for (int i = 0; i < rows.size(); i++) {
      LmSequence row = rows.get(i);
      int all = shape.hasPast() ? row.pending() : row.length();
      takes[i] = maxTake == null || !shape.hasPast() ? all : Math.max(1, Math.min(all, maxTake[i]));
      int key = !shape.hasPast() || row.computed() == 0 ? 0 : takes[i];
      groups.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
    }
    StepOutput out = new StepOutput(buffers, softmax, rows.size(), shape.vocabSize());
    try {
      for (List<Integer> group : groups.values()) {
        runGroup(rows, takes, group, out, groups.size() == 1);
      }
      return out;
    } catch (OrtException e) {
      out.close();
      throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      out.close();
      throw e;
    }
  }

  /** Splits a group so that no tensor outgrows its bound, and chunks long runs of new tokens. */
  private void runGroup(List<LmSequence> all, int[] takes, List<Integer> group, StepOutput out, boolean whole)
      throws OrtException {
    int[] paddedLength = new int[all.size()];
    for (int i : group) {
      paddedLength[i] = (shape.hasPast() ? all.get(i).computed() : 0) + takes[i];
    }
    List<List<Integer>> buckets = paddingBuckets(paddedLength, group);
    if (buckets.size() > 1) {
      for (List<Integer> bucket : buckets) {
        runGroup(all, takes, bucket, out, false);
      }
      return;
    }
    int longest = 0;
    boolean uniform = true;
    for (int i : group) {
      int take = takes[i];
      uniform &= longest == 0 || take == longest;
      longest = Math.max(longest, take);
    }
    long rowLogitBytes = (long) vocabSize() * Float.BYTES;
    boolean allPositions = !shape.lastPositionLogits();
    boolean chunkable = allPositions && shape.hasPast();
    if (chunkable && !uniform && rowLogitBytes * longest * group.size() > maxLogitsBytes) {
      for (int i : group) {
        runGroup(all, takes, List.of(i), out, false); // alone, each row can run in chunks
      }
      return;
    }
    long rowKvBytes = (long) shape.heads() * shape.headDim() * Float.BYTES * (maxComputed(all, group) + longest);
    // Chunked rows get at least MIN_CHUNK tokens per call: fewer rows per call rather than 1-token calls.
    long rowLogits = rowLogitBytes * (!allPositions ? 1 : chunkable && uniform ? Math.min(longest, MIN_CHUNK) : longest);
    int rowsPerCall = (int) Math.max(1, Math.min(group.size(),
        Math.min(NativeBuffers.MAX_TENSOR_BYTES / Math.max(1, rowKvBytes), maxLogitsBytes / rowLogits)));
    for (int from = 0; from < group.size(); from += rowsPerCall) {
      List<Integer> part = group.subList(from, Math.min(group.size(), from + rowsPerCall));
      List<LmSequence> rows = new ArrayList<>(part.size());
      part.forEach(i -> rows.add(all.get(i)));
      int[] outIndex = part.stream().mapToInt(Integer::intValue).toArray();
      // All-position graphs output rows x tokens x vocab logits: long runs go in chunks of tokens.
      int chunk = chunkable && uniform ? (int) Math.max(1, maxLogitsBytes / (rowLogitBytes * rows.size())) : longest;
      for (int done = 0; done < longest; done += chunk) {
        int[] take = new int[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
          take[r] = Math.min(chunk, takes[outIndex[r]] - done);
        }
        boolean last = done + chunk >= longest;
        call.run(rows, take, last ? out : null, outIndex, whole && rows.size() == group.size());
      }
    }
  }

  /**
   * The group cut into calls of similar lengths, so that left-padding every row to the longest never
   * costs much more KV memory than the rows' own lengths (which is what the engine's memory budget
   * reserved): per call, rows x longest <= {@link #PADDING_SLACK} x their lengths' sum + {@link
   * #PADDING_SLACK_TOKENS} per row. Rows keep their order (and their previous call's packed batch)
   * when the group needs no cut; cuts are by length, which decoding keeps stable step to step.
   */
  static List<List<Integer>> paddingBuckets(int[] lengthOf, List<Integer> group) {
    List<Integer> byLength = new ArrayList<>(group);
    byLength.sort(java.util.Comparator.comparingInt(i -> lengthOf[i]));
    List<List<Integer>> buckets = new ArrayList<>();
    List<Integer> current = new ArrayList<>();
    long own = 0;
    for (int i : byLength) {
      long rows = current.size() + 1L;
      if (!current.isEmpty() && rows * lengthOf[i] > PADDING_SLACK * (own + lengthOf[i]) + rows * PADDING_SLACK_TOKENS) {
        buckets.add(current);
        current = new ArrayList<>();
        own = 0;
      }
      current.add(i);
      own += lengthOf[i];
    }
    buckets.add(current);
    return buckets.size() == 1 ? List.of(group) : buckets;
  }

  private static int maxComputed(List<LmSequence> all, List<Integer> group) {
    int max = 0;
    for (int i : group) {
      max = Math.max(max, all.get(i).computed());
    }
    return max;
  }

  /** Native memory held by KV caches and logits now, and at most so far. */
  public long liveBufferBytes() {
    return buffers.liveBytes();
  }

  public long peakBufferBytes() {
    return buffers.peakLiveBytes();
  }

  /** Keeps live plus pooled native buffers within {@code bytes} where it can (frees idle ones beyond it). */
  public void limitBuffers(long bytes) {
    buffers.limitHeld(bytes);
  }

  /** Frees pooled buffers nobody holds (call when idle). */
  public void trimBuffers() {
    buffers.trim();
  }

  @Override
  public void close() {
    buffers.trim();
    softmax.close();
    try {
      session.close();
    } catch (OrtException e) {
      throw new IllegalStateException("cannot close the ONNX session", e);
    }
  }
}
