package io.equistream.decode;

import io.equistream.group.GroupCatalog;
import io.equistream.lm.ExecutionDevice;
import io.equistream.lm.GptTokenizer;
import io.equistream.lm.ModelOptions;
import io.equistream.lm.ModelShape;
import io.equistream.lm.OnnxCausalLm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/**
 * The serving engine: one per model per process. It owns the ONNX session, which only its own
 * thread touches, and decodes every submitted request with iteration-level batching (see
 * {@link EngineLoop}). Any thread may submit, wait, score or read the model's facts; callers
 * never run the model themselves. Also holds the tokenizer, the groups and the request resolver.
 */
public final class FairEngine implements AutoCloseable {
  /** The longest {@link #close()} waits for the engine thread (it stops after its current model call). */
  public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

  private final GptTokenizer tokenizer;
  private final OnnxCausalLm model;
  private final GroupCatalog catalog;
  private final RequestResolver resolver;
  private final EngineSettings settings;
  private final EngineLoop loop;
  private final Thread thread;
  private final ModelInfo info;

  /** Immutable facts about the model, safe to read from any thread. */
  public record ModelInfo(String modelId, String modelDigest, ExecutionDevice device, int maxPositions,
      ModelShape shape) {
  }

  private FairEngine(GptTokenizer tokenizer, OnnxCausalLm model, GroupCatalog catalog, RequestLimits limits,
      EngineSettings settings, StepListener listener) {
    this.tokenizer = tokenizer;
    this.model = model;
    this.catalog = catalog;
    this.settings = settings;
    this.resolver = new RequestResolver(tokenizer, catalog, model.maxPositions(), limits);
    this.info = new ModelInfo(model.modelId(), model.modelDigest(), model.device(), model.maxPositions(),
        model.shape());
    this.loop = new EngineLoop(model, tokenizer, settings, listener);
    this.thread = new Thread(loop, "equistream-engine-" + model.modelId());
    thread.setDaemon(true);
    thread.start();
  }

  /** An engine with default scheduling and the memory budget derived from the JVM's limits. */
  public static FairEngine open(Path modelDir, Path groupsFile, ModelOptions options, boolean dedup,
      RequestLimits limits) {
    return open(modelDir, groupsFile, options, EngineSettings.defaults(dedup), limits, StepListener.NONE);
  }

  public static FairEngine open(Path modelDir, Path groupsFile, ModelOptions options, EngineSettings settings,
      RequestLimits limits, StepListener listener) {
    long directLimit = EngineSettings.maxDirectMemory();
    if (settings.memoryBytes() > directLimit) {
      throw new IllegalArgumentException("equistream.engine.memory.bytes=" + settings.memoryBytes() + " exceeds this"
          + " JVM's direct-memory limit of " + directLimit + " bytes; raise -XX:MaxDirectMemorySize or lower the budget");
    }
    GptTokenizer tokenizer = GptTokenizer.load(modelDir.resolve("tokenizer.json"));
    try {
      GroupCatalog catalog = GroupCatalog.load(groupsFile, tokenizer);
      OnnxCausalLm model = OnnxCausalLm.open(modelDir, options);
      return new FairEngine(tokenizer, model, catalog, limits, settings, listener);
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
  }

  public GptTokenizer tokenizer() {
    return tokenizer;
  }

  public GroupCatalog catalog() {
    return catalog;
  }

  public RequestResolver resolver() {
    return resolver;
  }

  public ModelInfo model() {
    return info;
  }

  public EngineSettings settings() {
    return settings;
  }

  public EngineStats stats() {
    return loop.stats();
  }

  /** Null when the request can ever run here, else why not (its worst case exceeds the memory budget). */
  public String admissionProblem(FairRequest request) {
    int worstCaseRows = request.plan().variants().size();
    return loop.budget().neverFits(request, worstCaseRows);
  }

  /** Hands a request to the engine; false (and nothing queued) when the waiting queue is full. */
  public boolean submit(Submission submission) {
    return loop.submit(List.of(submission), true);
  }

  /** Runs the requests together (admitted in order, as memory allows) and waits for every outcome. */
  public List<EngineOutcome> run(List<FairRequest> requests) {
    EngineOutcome[] outcomes = new EngineOutcome[requests.size()];
    CountDownLatch done = new CountDownLatch(requests.size());
    List<Submission> submissions = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      int index = i;
      submissions.add(new Submission(requests.get(i), Long.MAX_VALUE, index, outcome -> {
        outcomes[index] = outcome;
        done.countDown();
      }, false));
    }
    loop.submit(submissions, false);
    try {
      done.await();
    } catch (InterruptedException e) {
      submissions.forEach(Submission::cancel);
      loop.wake();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while generating", e);
    }
    return List.of(outcomes);
  }

  /** Like {@link #run}, but every request must succeed (its failure becomes an exception). */
  public List<GenerationResult> generate(List<FairRequest> requests) {
    List<GenerationResult> results = new ArrayList<>();
    for (EngineOutcome outcome : run(requests)) {
      if (!outcome.ok()) {
        throw new IllegalStateException(outcome.failure());
      }
      results.add(outcome.result());
    }
    return results;
  }

  /** The next-token fair distribution after the prompt (one step), computed on the engine thread. */
  public ScoreResult score(FairRequest request) {
    CompletableFuture<ScoreResult> result = new CompletableFuture<>();
    loop.execute(() -> {
      // symsample: the first step marginalized over g (equitune's), not one draw of it
      RequestDecoder decoder = new RequestDecoder(request.forScore(), settings, tokenizer, model.maxPositions(),
          new int[0]);
      try {
        result.complete(decoder.score(model));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      } finally {
        decoder.releaseRows();
      }
    });
    try {
      return result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while scoring", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
    }
  }

  /** Stops the engine thread (requests still running or waiting end FAILED "engine closed"), then the model. */
  @Override
  public void close() {
    loop.stop();
    try {
      thread.join(CLOSE_TIMEOUT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!thread.isAlive()) {
      model.close();
    }
    tokenizer.close();
  }
}
