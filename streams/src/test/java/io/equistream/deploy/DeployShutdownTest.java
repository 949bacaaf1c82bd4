package io.equistream.deploy;

import static io.equistream.deploy.DeployFilesTest.DEPLOY;
import static io.equistream.deploy.DeployFilesTest.EXAMPLE_CONFIG;
import static io.equistream.deploy.DeployFilesTest.K8S;
import static io.equistream.deploy.DeployFilesTest.mountedConfigEntry;
import static io.equistream.deploy.DeployFilesTest.properties;
import static io.equistream.deploy.DeployFilesTest.single;
import static io.equistream.deploy.DeployFilesTest.yaml;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.equistream.stream.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A clean stop needs up to {@link ServiceConfig#shutdownTimeout()} (Kafka Streams' close, longer
 * than the request deadline, then the engine's): the container must be given that long before
 * SIGKILL, or a SIGTERM ends as a crash.
 */
class DeployShutdownTest {
  @Test
  void kubernetesGracePeriodsCoverTheServiceShutdown() throws Exception {
    JsonNode configMap = single(K8S.resolve("configmap.yaml"), "ConfigMap");
    for (Path file : List.of(K8S.resolve("deployment.yaml"), K8S.resolve("deployment-gpu.yaml"))) {
      JsonNode template = single(file, "Deployment").path("spec").path("template");
      JsonNode container = template.path("spec").path("containers").path(0);
      String entry = mountedConfigEntry(file, template, container, configMap);
      Duration needed = ServiceConfig.of(properties(configMap.path("data").path(entry).asText())).shutdownTimeout();
      JsonNode grace = template.path("spec").path("terminationGracePeriodSeconds");
      assertTrue(grace.isInt(), file + " must set terminationGracePeriodSeconds");
      assertTrue(grace.asLong() >= needed.toSeconds() + 10, file + ": terminationGracePeriodSeconds " + grace.asLong()
          + " s does not cover the shutdown of its config " + entry + " (" + needed.toSeconds() + " s + 10 s for the JVM)");
    }
  }

  @Test
  void composeStopGracePeriodCoversTheServiceShutdown() throws Exception {
    Path compose = DEPLOY.resolve("docker-compose.yml");
    String period = yaml(compose).get(0).path("services").path("equistream").path("stop_grace_period").asText();
    Matcher seconds = Pattern.compile("(\\d+)s").matcher(period);
    assertTrue(seconds.matches(), compose + ": equistream needs stop_grace_period in seconds (Docker's default is 10 s),"
        + " got '" + period + "'");
    // compose mounts the example config into the container
    Duration needed = ServiceConfig.of(properties(EXAMPLE_CONFIG)).shutdownTimeout();
    assertTrue(Long.parseLong(seconds.group(1)) >= needed.toSeconds() + 10, compose + ": stop_grace_period " + period
        + " does not cover the shutdown of " + EXAMPLE_CONFIG + " (" + needed.toSeconds() + " s + 10 s)");
  }
}
