package io.equistream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.ScoreResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints the fair next-token distribution after a prompt. */
@Command(name = "score", mixinStandardHelpOptions = true, description = "Next-token distribution after a prompt, highest first.")
final class ScoreCommand implements Callable<Integer> {
  @Mixin
  EngineOptions engine;

  @Option(names = "--prompt", required = true)
  String prompt;

  @Option(names = "--top-k", defaultValue = "20", description = "How many tokens to list. Default: ${DEFAULT-VALUE}")
  int topK;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try (FairEngine fair = engine.open()) {
      FairRequest request = fair.resolver().resolveForScore("cli", prompt, engine.method, engine.groups,
          engine.aggregate); // symsample: the first token's law marginalized over g
      ScoreResult score = fair.score(request);
      var node = ResultJson.score(score, topK, fair, request);
      if (json) {
        System.out.println(new ObjectMapper().writeValueAsString(node));
      } else {
        for (var entry : node.get("top")) {
          System.out.printf("%8.5f  %6d  %s%n", entry.get("prob").asDouble(), entry.get("id").asInt(),
              entry.get("token").asText());
        }
        System.out.println("forward_sequences: " + score.forwardSequences());
      }
      return 0;
    }
  }
}
