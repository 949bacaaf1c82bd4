package io.equistream;

import io.equistream.decode.FairEngine;
import io.equistream.decode.RequestLimits;
import io.equistream.group.GroupCatalog;
import io.equistream.lm.GptTokenizer;
import io.equistream.lm.ModelOptions;
import java.nio.file.Path;

/** Real assets shared by the tests (opened once per JVM; native resources end with it). */
public final class TestAssets {
  /** The model the fairness tests run: the committed tiny model (override: -Dequistream.test.model=DIR). */
  public static final Path TINY_MODEL = Path.of(System.getProperty("equistream.test.model", "models/tiny-gpt2"));
  public static final Path GROUPS = Path.of("models/groups/default.json");
  public static final Path RANDOM_MODEL = Path.of("streams/src/test/resources/models/tiny-random");
  /** tiny-random's weights exported with last-position logits ({@code --test-fixtures --logits last}). */
  public static final Path RANDOM_LAST_MODEL = Path.of("streams/src/test/resources/models/tiny-random-last");
  public static final Path RANDOM_NOPAST_MODEL = Path.of("streams/src/test/resources/models/tiny-random-nopast");

  private static GptTokenizer tokenizer;
  private static GroupCatalog catalog;
  private static FairEngine tinyEngine;
  private static FairEngine tinyEngineNoDedup;
  private static io.equistream.lm.OnnxCausalLm tinyModel;

  private TestAssets() {
  }

  public static synchronized GptTokenizer tokenizer() {
    if (tokenizer == null) {
      tokenizer = GptTokenizer.load(Path.of("models/gpt2-tokenizer/tokenizer.json"));
    }
    return tokenizer;
  }

  public static synchronized GroupCatalog catalog() {
    if (catalog == null) {
      catalog = GroupCatalog.load(GROUPS, tokenizer());
    }
    return catalog;
  }

  /** The committed tiny model with dedup on (do not close). */
  public static synchronized FairEngine tinyEngine() {
    if (tinyEngine == null) {
      tinyEngine = open(TINY_MODEL, true);
    }
    return tinyEngine;
  }

  /** The tiny model's ONNX session on its own, for tests that compare the engine with the model (do not close). */
  public static synchronized io.equistream.lm.OnnxCausalLm tinyModel() {
    if (tinyModel == null) {
      tinyModel = io.equistream.lm.OnnxCausalLm.open(TINY_MODEL, ModelOptions.defaults().withThreads(2, 1));
    }
    return tinyModel;
  }

  /** The same model with dedup off (do not close). */
  public static synchronized FairEngine tinyEngineNoDedup() {
    if (tinyEngineNoDedup == null) {
      tinyEngineNoDedup = open(TINY_MODEL, false);
    }
    return tinyEngineNoDedup;
  }

  /**
   * Settings for a test service on a real broker: its own application id and topics
   * (`prompts-SUFFIX`, …), fast commits, created topics (2 partitions), the test model.
   * A mutable map: tests override what they measure.
   */
  public static java.util.Map<String, String> serviceSettings(String bootstrap, String applicationId, String suffix) {
    java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
    settings.put("bootstrap.servers", bootstrap);
    settings.put("application.id", applicationId);
    try {
      settings.put("state.dir", java.nio.file.Files.createTempDirectory("test-state").toString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    settings.put("commit.interval.ms", "100");
    settings.put("equistream.model.dir", TINY_MODEL.toString());
    settings.put("equistream.topics.create", "true");
    settings.put("equistream.topics.partitions", "2");
    for (String topic : java.util.List.of("prompts", "completions", "audit", "audit-summary", "dlq", "chunks")) {
      settings.put("equistream.topic." + topic, topic + "-" + suffix);
    }
    return settings;
  }

  public static FairEngine open(Path model, boolean dedup) {
    return FairEngine.open(model, GROUPS, ModelOptions.defaults().withThreads(2, 1), dedup, RequestLimits.defaults());
  }
}
