package io.equistream.answer;

import io.equistream.decode.EngineOutcome;
import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.RequestRejectedException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a list of requests, one answer each, in order: the service's own intake (defaults,
 * limits, validation), the engine (all accepted requests together; a failure is isolated to its
 * request) and answer records (size-checked). Replay runs it, so a replay runs the service's path.
 */
public final class BatchAnswerer {
  private static final Logger LOG = LoggerFactory.getLogger(BatchAnswerer.class);

  private final RequestIntake intake;
  private final AnswerBuilder answers;

  public BatchAnswerer(RequestDefaults defaults, ServiceIdentity identity, int maxOutputBytes) {
    this.intake = new RequestIntake(defaults);
    this.answers = new AnswerBuilder(identity, maxOutputBytes);
  }

  public List<CompletionRecords.Answer> answer(FairEngine engine, List<PendingPrompt> pending) {
    CompletionRecords.Answer[] out = new CompletionRecords.Answer[pending.size()];
    List<FairRequest> accepted = new ArrayList<>();
    List<Integer> acceptedIndex = new ArrayList<>();
    for (int i = 0; i < pending.size(); i++) {
      PendingPrompt prompt = pending.get(i);
      try {
        accepted.add(intake.resolve(engine, prompt.request()));
        acceptedIndex.add(i);
      } catch (RequestRejectedException e) {
        out[i] = answers.rejected(prompt, e.getMessage(), Instant.now());
      } catch (RuntimeException e) {
        LOG.error("request {} could not be prepared: {}", prompt.request().getRequestId(), e.toString());
        out[i] = answers.failed(prompt, "request could not be prepared: " + e.getMessage(), Instant.now());
      }
    }
    List<EngineOutcome> outcomes = engine.run(accepted);
    for (int k = 0; k < outcomes.size(); k++) {
      int i = acceptedIndex.get(k);
      out[i] = answers.of(pending.get(i), outcomes.get(k));
    }
    return Arrays.asList(out);
  }
}
