package io.equistream.answer;

import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.decode.RequestRejectedException;
import io.equistream.schemas.PromptRequest;

/**
 * Turns a raw request into a validated {@link FairRequest}: the service's defaults for what it
 * leaves out, the reply topic's name, the resolver's limits and validation (text, parameters,
 * method, groups, prompt length; a sampled request without a seed gets one there, reported with
 * its answer) and the engine's memory budget. Anything wrong is a
 * {@link RequestRejectedException} whose message is the reason given back to the caller.
 */
public final class RequestIntake {
  private final RequestDefaults defaults;

  public RequestIntake(RequestDefaults defaults) {
    this.defaults = defaults;
  }

  public FairRequest resolve(FairEngine engine, PromptRequest request) {
    Integer maxNewTokens = request.getMaxNewTokens();
    GenerationParams params = new GenerationParams(maxNewTokens == null ? defaults.maxNewTokens() : maxNewTokens,
        request.getTemperature(), request.getTopK(), request.getTopP(), request.getSeed(), request.getStop());
    String replyTopic = request.getReplyTopic();
    if (replyTopic != null && !TopicNames.isLegal(replyTopic)) {
      throw new RequestRejectedException("reply_topic '" + replyTopic + "' is not a legal topic name");
    }
    FairRequest resolved = engine.resolver().resolve(request.getRequestId(), request.getPrompt(), params,
        request.getMethod() == null ? defaults.method() : request.getMethod(), request.getGroups(),
        request.getAggregate() == null ? defaults.aggregate() : request.getAggregate(),
        request.getFirstStepCounterfactuals());
    String tooBig = engine.admissionProblem(resolved);
    if (tooBig != null) {
      throw new RequestRejectedException(tooBig);
    }
    return resolved;
  }
}
