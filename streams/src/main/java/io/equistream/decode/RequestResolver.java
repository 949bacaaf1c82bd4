package io.equistream.decode;

import io.equistream.equivariance.Aggregation;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.equivariance.SampledElement;
import io.equistream.group.GroupCatalog;
import io.equistream.group.GroupElement;
import io.equistream.group.ProductGroup;
import io.equistream.lm.GptTokenizer;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Validates a raw request and resolves it (tokens, groups, method, the seed of a sampled request
 * that has none, symsample's g from that seed) or rejects it with a reason.
 */
public final class RequestResolver {
  static final String SYMSAMPLE_NEEDS_SAMPLING = "method symsample needs a sampled request (temperature > 0):"
      + " it draws a random group element and its guarantee holds in distribution, which a greedy answer is not;"
      + " use method multi (or equitune) for greedy decoding";

  private final GptTokenizer tokenizer;
  private final GroupCatalog catalog;
  private final int modelPositions;
  private final RequestLimits limits;

  public RequestResolver(GptTokenizer tokenizer, GroupCatalog catalog, int modelPositions, RequestLimits limits) {
    this.tokenizer = tokenizer;
    this.catalog = catalog;
    this.modelPositions = modelPositions;
    this.limits = limits;
  }

  public GroupCatalog catalog() {
    return catalog;
  }

  public RequestLimits limits() {
    return limits;
  }

  public FairRequest resolve(String id, String prompt, GenerationParams params, String method, List<String> groups,
      String aggregate) {
    return resolve(id, prompt, params, method, groups, aggregate, false);
  }

  /**
   * @param firstStepCounterfactuals symsample: also run every other variant at the first step so the
   *     audit measures the base model's counterfactual disparity there (ignored by the other methods)
   */
  public FairRequest resolve(String id, String prompt, GenerationParams params, String method, List<String> groups,
      String aggregate, boolean firstStepCounterfactuals) {
    FairRequest request = resolveCommon(id, prompt, params, method, groups, aggregate);
    GenerationParams resolved = request.params();
    if (resolved.sampling() && resolved.seed() == null) {
      // Chosen here, not while decoding, so that g (below) and the reported seed agree and replay repeats both.
      resolved = resolved.withSeed(ThreadLocalRandom.current().nextLong());
    }
    if (request.method() != FairnessMethod.SYMSAMPLE) {
      return new FairRequest(id, request.promptIds(), resolved, request.method(), request.group(),
          request.aggregation());
    }
    if (!resolved.sampling()) {
      throw new RequestRejectedException(SYMSAMPLE_NEEDS_SAMPLING);
    }
    GroupElement g = SampledElement.draw(request.group(), resolved.seed());
    return new FairRequest(id, request.promptIds(), resolved, FairnessMethod.SYMSAMPLE, request.group(),
        Aggregation.PROBS, g, firstStepCounterfactuals);
  }

  /**
   * The request `score` answers (one step, greedy parameters): for symsample no g is drawn, so the
   * score is the first-token law marginalized over g.
   */
  public FairRequest resolveForScore(String id, String prompt, String method, List<String> groups, String aggregate) {
    FairRequest request = resolveCommon(id, prompt, GenerationParams.greedy(1), method, groups, aggregate);
    return request.method() == FairnessMethod.SYMSAMPLE ? new FairRequest(id, request.promptIds(), request.params(),
        FairnessMethod.SYMSAMPLE, request.group(), Aggregation.PROBS) : request;
  }

  private FairRequest resolveCommon(String id, String prompt, GenerationParams params, String method,
      List<String> groups, String aggregate) {
    if (prompt == null || prompt.isEmpty()) {
      throw new RequestRejectedException("empty prompt");
    }
    if (prompt.length() > limits.maxPromptChars()) {
      throw new RequestRejectedException("prompt is " + prompt.length() + " characters; the limit is "
          + limits.maxPromptChars());
    }
    String textProblem = TextChecks.problem(prompt);
    if (textProblem != null) {
      throw new RequestRejectedException(textProblem);
    }
    String paramsProblem = params.problem();
    if (paramsProblem != null) {
      throw new RequestRejectedException(paramsProblem);
    }
    if (params.maxNewTokens() > limits.maxNewTokens()) {
      throw new RequestRejectedException("max_new_tokens " + params.maxNewTokens() + " exceeds the limit "
          + limits.maxNewTokens());
    }
    FairnessMethod fairness;
    Aggregation aggregation;
    ProductGroup group;
    try {
      fairness = FairnessMethod.parse(method);
      aggregation = Aggregation.parse(aggregate);
      group = catalog.select(groups);
    } catch (IllegalArgumentException e) { // includes GroupsException
      throw new RequestRejectedException(e.getMessage());
    }
    int[] ids = tokenizer.encode(prompt);
    int promptLimit = limits.maxPromptTokens() > 0 ? Math.min(limits.maxPromptTokens(), modelPositions - 1)
        : modelPositions - 1;
    if (ids.length == 0) {
      throw new RequestRejectedException("prompt encodes to no tokens");
    }
    if (ids.length > promptLimit) {
      throw new RequestRejectedException("prompt is " + ids.length + " tokens; the limit is " + promptLimit
          + " (model context " + modelPositions + ")");
    }
    return new FairRequest(id, ids, params, fairness, group, aggregation);
  }
}
