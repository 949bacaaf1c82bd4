package io.equistream.decode;

import io.equistream.equivariance.Aggregation;
import io.equistream.equivariance.FairnessMethod;
import io.equistream.group.GroupCatalog;
import io.equistream.group.ProductGroup;
import io.equistream.lm.GptTokenizer;
import java.util.List;

/** Validates a raw request and resolves it (tokens, groups, method) or rejects it with a reason. */
public final class RequestResolver {
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
