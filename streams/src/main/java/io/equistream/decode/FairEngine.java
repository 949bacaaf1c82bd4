package io.equistream.decode;

import io.equistream.group.GroupCatalog;
import io.equistream.lm.GptTokenizer;
import io.equistream.lm.ModelOptions;
import io.equistream.lm.OnnxCausalLm;
import java.nio.file.Path;

/** Everything a fair decoder needs, opened from a model directory and a groups file. */
public final class FairEngine implements AutoCloseable {
  private final GptTokenizer tokenizer;
  private final OnnxCausalLm model;
  private final GroupCatalog catalog;
  private final FairGenerator generator;
  private final RequestResolver resolver;

  private FairEngine(GptTokenizer tokenizer, OnnxCausalLm model, GroupCatalog catalog, boolean dedup,
      RequestLimits limits) {
    this.tokenizer = tokenizer;
    this.model = model;
    this.catalog = catalog;
    this.generator = new FairGenerator(model, tokenizer, dedup);
    this.resolver = new RequestResolver(tokenizer, catalog, model.maxPositions(), limits);
  }

  public static FairEngine open(Path modelDir, Path groupsFile, ModelOptions options, boolean dedup,
      RequestLimits limits) {
    GptTokenizer tokenizer = GptTokenizer.load(modelDir.resolve("tokenizer.json"));
    try {
      GroupCatalog catalog = GroupCatalog.load(groupsFile, tokenizer);
      OnnxCausalLm model = OnnxCausalLm.open(modelDir, options);
      return new FairEngine(tokenizer, model, catalog, dedup, limits);
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
  }

  public GptTokenizer tokenizer() {
    return tokenizer;
  }

  public OnnxCausalLm model() {
    return model;
  }

  public GroupCatalog catalog() {
    return catalog;
  }

  public FairGenerator generator() {
    return generator;
  }

  public RequestResolver resolver() {
    return resolver;
  }

  @Override
  public void close() {
    model.close();
    tokenizer.close();
  }
}
