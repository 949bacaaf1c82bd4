package io.equistream.cli;

import io.equistream.decode.FairEngine;
import io.equistream.decode.RequestLimits;
import io.equistream.lm.ExecutionDevice;
import io.equistream.lm.ModelOptions;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by the commands that run the model. */
public final class EngineOptions {
  @Option(names = "--model", defaultValue = "models/tiny-gpt2", description = "Model directory (model.onnx + tokenizer.json). Default: ${DEFAULT-VALUE}")
  Path model;

  @Option(names = "--device", defaultValue = "cpu", description = "cpu, cuda or cuda:N (CUDA needs the -Pgpu build). Default: ${DEFAULT-VALUE}")
  String device;

  @Option(names = "--threads", defaultValue = "0", description = "ONNX Runtime intra-op threads (0 = all cores).")
  int threads;

  @Option(names = "--groups-file", defaultValue = "models/groups/default.json", description = "Groups file. Default: ${DEFAULT-VALUE}")
  Path groupsFile;

  @Option(names = "--groups", split = ",", description = "Groups to use (default: all in the file).")
  List<String> groups = List.of();

  @Option(names = "--method", defaultValue = "multi", description = "none, equitune, multi or symsample (generate: symsample needs --temperature > 0). Default: ${DEFAULT-VALUE}")
  String method;

  @Option(names = "--aggregate", defaultValue = "probs", description = "probs or logits. Default: ${DEFAULT-VALUE}")
  String aggregate;

  @Option(names = "--no-dedup", description = "Run identical variant sequences separately (for measurement).")
  boolean noDedup;

  ModelOptions modelOptions() {
    int intra = threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors());
    return new ModelOptions(ExecutionDevice.parse(device), intra, 1);
  }

  FairEngine open() {
    return FairEngine.open(model, groupsFile, modelOptions(), !noDedup, RequestLimits.defaults());
  }
}
