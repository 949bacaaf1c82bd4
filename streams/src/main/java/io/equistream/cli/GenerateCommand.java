package io.equistream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.equistream.decode.FairEngine;
import io.equistream.decode.FairRequest;
import io.equistream.decode.GenerationParams;
import io.equistream.decode.GenerationResult;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Generates one fair completion. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate a fair completion of a prompt.")
final class GenerateCommand implements Callable<Integer> {
  @Mixin
  EngineOptions engine;

  @Option(names = "--prompt", required = true, description = "Prompt text.")
  String prompt;

  @Option(names = "--max-new-tokens", defaultValue = "32")
  int maxNewTokens;

  @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default).")
  double temperature;

  @Option(names = "--top-k", defaultValue = "0", description = "0 = off.")
  int topK;

  @Option(names = "--top-p", defaultValue = "1", description = "1 = off.")
  double topP;

  @Option(names = "--seed", description = "Sampling seed (same request + seed = same output).")
  Long seed;

  @Option(names = "--stop", description = "Stop when the completion contains this string.")
  String stop;

  @Option(names = "--first-step-counterfactuals",
      description = "symsample: also run every other group variant at the first step, so the audit measures the base"
          + " model's counterfactual disparity there (|G| - 1 extra sequences, once).")
  boolean firstStepCounterfactuals;

  @Option(names = "--json", description = "Print one JSON object.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    try (FairEngine fair = engine.open()) {
      GenerationParams params = new GenerationParams(maxNewTokens, temperature, topK, topP, seed, stop);
      FairRequest request = fair.resolver().resolve("cli", prompt, params, engine.method, engine.groups,
          engine.aggregate, firstStepCounterfactuals);
      GenerationResult result = fair.generate(List.of(request)).get(0);
      if (json) {
        System.out.println(new ObjectMapper().writeValueAsString(ResultJson.generation(result, fair)));
      } else {
        System.out.println(prompt + result.completion());
      }
      return 0;
    }
  }
}
