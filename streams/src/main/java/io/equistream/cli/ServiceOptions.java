package io.equistream.cli;

import io.equistream.stream.ServiceConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** --config FILE plus overrides: --set key=value (any Kafka or equistream.* key) and shortcuts. */
final class ServiceOptions {
  @Option(names = "--config", description = "Properties file (Kafka and equistream.* keys).")
  Path config;

  @Option(names = "--set", description = "Override a config key: --set key=value (repeatable).")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--bootstrap", description = "Kafka bootstrap servers (overrides bootstrap.servers).")
  String bootstrap;

  @Option(names = "--model", description = "Model directory (overrides equistream.model.dir).")
  String model;

  @Option(names = "--device", description = "cpu, cuda or cuda:N (overrides equistream.device).")
  String device;

  @Option(names = "--create-topics", description = "Create missing topics at start.")
  boolean createTopics;

  ServiceConfig load() {
    Map<String, String> all = new LinkedHashMap<>(overrides);
    if (bootstrap != null) {
      all.put("bootstrap.servers", bootstrap);
    }
    if (model != null) {
      all.put("equistream.model.dir", model);
    }
    if (device != null) {
      all.put("equistream.device", device);
    }
    if (createTopics) {
      all.put("equistream.topics.create", "true");
    }
    return ServiceConfig.load(config, all);
  }
}
