package io.equistream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringReader;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Validates the deployment files under {@code deploy/} that cannot be exercised here (no Docker
 * engine, no Kubernetes): YAML parses, Dockerfile COPY sources exist, config keys are known and
 * valid, probes / GPU requests / compose references are right, shell scripts are syntactically
 * valid. Runs with the repository root as working directory.
 *
 * <p>YAML is parsed with {@code python3 + PyYAML} when available (Debian: python3-yaml), otherwise
 * with SnakeYAML if it is on the test classpath (it arrives transitively through Kafka), loaded
 * reflectively so no dependency has to be declared.
 */
class DeployFilesTest {

  /**
   * Every {@code equistream.*} key the deployment files may use. Must match the service's config
   * class ({@code io.equistream.stream.ServiceConfig.DEFAULTS}); {@link #knownKeysMatchServiceConfig}
   * checks that whenever the class exists.
   */
  static final Set<String> KNOWN_KEYS = Set.of(
      "equistream.model.dir",
      "equistream.groups.file",
      "equistream.device",
      "equistream.threads",
      "equistream.dedup",
      "equistream.default.method",
      "equistream.default.aggregate",
      "equistream.default.max.new.tokens",
      "equistream.topic.prompts",
      "equistream.topic.completions",
      "equistream.topic.audit",
      "equistream.topic.audit-summary",
      "equistream.topic.dlq",
      "equistream.topic.chunks",
      "equistream.topics.create",
      "equistream.topics.partitions",
      "equistream.topics.replication",
      "equistream.request.deadline.ms",
      "equistream.engine.max.requests",
      "equistream.engine.max.rows",
      "equistream.engine.prefill.chunk.tokens",
      "equistream.engine.memory.bytes",
      "equistream.engine.max.waiting",
      "equistream.handoff.ms",
      "equistream.limit.max.prompt.tokens",
      "equistream.limit.max.new.tokens",
      "equistream.limit.max.prompt.chars",
      "equistream.limit.max.output.bytes",
      "equistream.summary.window.ms",
      "equistream.http.port",
      "equistream.debug.step.delay.ms",
      "equistream.limit.max.request.id.chars",
      "equistream.limit.max.stop.chars",
      "equistream.limit.max.metadata.entries",
      "equistream.limit.max.metadata.bytes",
      "equistream.limit.max.field.chars",
      "equistream.limit.max.groups",
      "equistream.dlq.max.payload.bytes",
      "equistream.reply.topic.prefix",
      "equistream.reply.topic.cache.ttl.ms",
      "equistream.reply.topic.miss.ttl.ms",
      "equistream.health.max.thread.replacements",
      "equistream.health.thread.replacements.window.ms");

  /** Paths a Dockerfile may COPY that the Maven build produces instead of git. */
  static final Set<String> BUILD_OUTPUTS = Set.of("streams/target/equistream.jar");

  static final Path DEPLOY = Path.of("deploy");
  static final Path EXAMPLE_CONFIG = DEPLOY.resolve("config/equistream.properties");
  static final Path K8S = DEPLOY.resolve("k8s");
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SERVICE_CONFIG_CLASS = "io.equistream.stream.ServiceConfig";

  // ------------------------------------------------------------------------------------- YAML

  @Test
  void everyYamlFileParses() throws IOException {
    List<Path> files = files(DEPLOY, ".yml", ".yaml");
    assertTrue(files.size() >= 7, "expected compose + k8s YAML files, found " + files);
    for (Path file : files) {
      List<JsonNode> docs = yaml(file);
      assertFalse(docs.isEmpty(), file + " has no YAML document");
      for (JsonNode doc : docs) {
        assertTrue(doc.isObject(), file + ": every document must be a mapping");
      }
    }
  }

  // ------------------------------------------------------------------------------- Dockerfiles

  @Test
  void dockerfileCopySourcesExist() throws IOException {
    for (String name : List.of("Dockerfile", "Dockerfile.gpu")) {
      Path dockerfile = DEPLOY.resolve(name);
      List<String> instructions = dockerInstructions(dockerfile);
      List<String> sources = new ArrayList<>();
      for (String line : instructions) {
        if (!line.regionMatches(true, 0, "COPY ", 0, 5) && !line.regionMatches(true, 0, "ADD ", 0, 4)) {
          continue;
        }
        List<String> args = copyArgs(line);
        if (args.stream().anyMatch(a -> a.startsWith("--from="))) {
          continue; // copies out of an earlier stage, not the build context
        }
        List<String> operands = args.stream().filter(a -> !a.startsWith("--")).toList();
        assertTrue(operands.size() >= 2, dockerfile + ": COPY needs source and destination: " + line);
        sources.addAll(operands.subList(0, operands.size() - 1));
      }
      assertFalse(sources.isEmpty(), dockerfile + " copies nothing from the context");
      List<String> ignored = dockerignoreLiterals(DEPLOY.resolve(name + ".dockerignore"));
      for (String source : sources) {
        String normalized = source.replaceFirst("^\\./", "").replaceFirst("/$", "");
        assertTrue(Files.exists(Path.of(normalized)) || BUILD_OUTPUTS.contains(normalized),
            dockerfile + " COPYs " + source + ", which is neither in the repository nor a build output");
        for (String pattern : ignored) {
          assertFalse(normalized.equals(pattern) || normalized.startsWith(pattern + "/"),
              dockerfile + " COPYs " + source + " but " + name + ".dockerignore excludes " + pattern);
        }
      }
      assertTrue(sources.contains("deploy/config/equistream.properties"), dockerfile + " must ship the config");
      assertTrue(sources.contains("models/tiny-gpt2"), dockerfile + " must ship the model");
      assertTrue(sources.contains("models/groups"), dockerfile + " must ship the groups");
    }
  }

  @Test
  void dockerfilesRunTheServiceAsNonRootWithHealthcheck() throws IOException {
    int httpPort = Integer.parseInt(properties(EXAMPLE_CONFIG).getProperty("equistream.http.port"));
    for (String name : List.of("Dockerfile", "Dockerfile.gpu")) {
      Path dockerfile = DEPLOY.resolve(name);
      List<String> instructions = dockerInstructions(dockerfile);
      List<String> froms = instructions.stream().filter(l -> l.startsWith("FROM ")).toList();
      assertEquals(2, froms.size(), dockerfile + " must be a two-stage build: " + froms);
      assertTrue(froms.get(0).startsWith("FROM maven:3.9-eclipse-temurin-17"), dockerfile + ": build stage " + froms.get(0));
      if (name.equals("Dockerfile")) {
        assertEquals("FROM eclipse-temurin:17-jre", froms.get(1), "CPU runtime base");
      }
      assertEquals("ENTRYPOINT [\"java\", \"-jar\", \"/app/equistream.jar\", \"run\", \"--config\", "
          + "\"/app/config/equistream.properties\"]", last(instructions, "ENTRYPOINT"), dockerfile + " entrypoint");
      String user = last(instructions, "USER").substring(5).trim();
      assertFalse(user.equals("root") || user.startsWith("0"), dockerfile + " must not run as root: " + user);
      assertTrue(last(instructions, "HEALTHCHECK").contains("/health/live"), dockerfile + " HEALTHCHECK must hit /health/live");
      assertTrue(last(instructions, "EXPOSE").contains(String.valueOf(httpPort)),
          dockerfile + " must EXPOSE equistream.http.port=" + httpPort);
      assertTrue(instructions.contains("COPY deploy/config/equistream.properties /app/config/equistream.properties"),
          dockerfile + " must install the config where the entrypoint reads it");
      assertTrue(instructions.stream().anyMatch(l -> l.startsWith("COPY --from=build ") && l.endsWith(" /app/equistream.jar")),
          dockerfile + " must copy the shaded jar from the build stage");
      String run = instructions.stream().filter(l -> l.startsWith("RUN ") && l.contains("mvn ")).findFirst().orElseThrow();
      assertTrue(run.contains("streams/target/equistream.jar"), dockerfile + " must take the shaded jar from the build");
    }
  }

  @Test
  void gpuDockerfileBuildsWithTheGpuProfileOnCuda12Cudnn9() throws IOException {
    List<String> instructions = dockerInstructions(DEPLOY.resolve("Dockerfile.gpu"));
    String runtimeFrom = instructions.stream().filter(l -> l.startsWith("FROM ")).reduce((a, b) -> b).orElseThrow();
    assertTrue(runtimeFrom.matches("FROM nvidia/cuda:12\\.\\d+\\.\\d+-cudnn-runtime-ubuntu22\\.04"),
        "GPU runtime base must be an exact CUDA 12.x cuDNN (9) runtime tag: " + runtimeFrom);
    assertTrue(instructions.stream().anyMatch(l -> l.startsWith("RUN ") && l.contains("mvn ") && l.contains("-Pgpu")),
        "GPU image must build with mvn -Pgpu");
    assertTrue(instructions.stream().anyMatch(l -> l.contains("openjdk-17-jre")), "GPU image must install a JRE 17");
    assertTrue(instructions.stream().anyMatch(l -> l.startsWith("ARG EQUISTREAM_DEVICE=cuda")), "GPU image defaults to cuda");
    assertTrue(instructions.stream().anyMatch(l -> l.startsWith("RUN ") && l.contains("equistream.device=${EQUISTREAM_DEVICE}")),
        "GPU image must set equistream.device in its config");
  }

  // ------------------------------------------------------------------------------ config keys

  @Test
  void configFilesUseOnlyKnownKeys() throws IOException {
    Map<String, Properties> configs = allConfigs();
    assertTrue(configs.size() >= 4, "expected example, local and two ConfigMap configs: " + configs.keySet());
    for (Map.Entry<String, Properties> config : configs.entrySet()) {
      Set<String> unknown = config.getValue().stringPropertyNames().stream()
          .filter(k -> k.startsWith("equistream.") && !KNOWN_KEYS.contains(k))
          .collect(Collectors.toCollection(TreeSet::new));
      assertTrue(unknown.isEmpty(), config.getKey() + " uses unknown equistream.* keys " + unknown);
      assertEquals("exactly_once_v2", config.getValue().getProperty("processing.guarantee"), config.getKey());
      assertNotNull(config.getValue().getProperty("bootstrap.servers"), config.getKey() + " bootstrap.servers");
      assertNotNull(config.getValue().getProperty("application.id"), config.getKey() + " application.id");
    }
  }

  @Test
  void exampleConfigIsCompleteAndDocumentsTlsAndSasl() throws IOException {
    Properties example = properties(EXAMPLE_CONFIG);
    Set<String> missing = new TreeSet<>(KNOWN_KEYS);
    missing.removeAll(example.stringPropertyNames());
    assertTrue(missing.isEmpty(), EXAMPLE_CONFIG + " should show every key; missing " + missing);
    String text = Files.readString(EXAMPLE_CONFIG);
    for (String key : List.of("security.protocol", "ssl.truststore.location", "sasl.mechanism", "sasl.jaas.config")) {
      assertTrue(Pattern.compile("(?m)^#\\s*" + Pattern.quote(key) + "=").matcher(text).find(),
          EXAMPLE_CONFIG + " should carry a commented " + key + " example");
    }
  }

  @Test
  void knownKeysMatchServiceConfig() throws Exception {
    Class<?> serviceConfig = serviceConfigClass();
    Assumptions.assumeTrue(serviceConfig != null, SERVICE_CONFIG_CLASS + " not on the classpath");
    Field field = serviceConfig.getField("DEFAULTS");
    Set<String> actual = new TreeSet<>(((Map<?, ?>) field.get(null)).keySet().stream().map(String::valueOf).toList());
    assertEquals(new TreeSet<>(KNOWN_KEYS), actual,
        "DeployFilesTest.KNOWN_KEYS is out of sync with " + SERVICE_CONFIG_CLASS + ".DEFAULTS");
  }

  /** The real config class accepts every deploy config (unknown keys, deadline vs poll interval, ...). */
  @Test
  void serviceConfigAcceptsEveryDeployConfig() throws Exception {
    Class<?> serviceConfig = serviceConfigClass();
    Assumptions.assumeTrue(serviceConfig != null, SERVICE_CONFIG_CLASS + " not on the classpath");
    var of = serviceConfig.getMethod("of", Properties.class);
    for (Map.Entry<String, Properties> config : allConfigs().entrySet()) {
      try {
        of.invoke(null, config.getValue());
      } catch (InvocationTargetException e) {
        fail(config.getKey() + " is rejected by " + SERVICE_CONFIG_CLASS + ": " + e.getCause().getMessage(), e.getCause());
      }
    }
  }

  // ------------------------------------------------------------------------------- Kubernetes

  @Test
  void deploymentsProbeHealthEndpointsAndAreScrapable() throws IOException {
    JsonNode configMap = single(K8S.resolve("configmap.yaml"), "ConfigMap");
    List<Path> deployments = List.of(K8S.resolve("deployment.yaml"), K8S.resolve("deployment-gpu.yaml"));
    for (Path file : deployments) {
      JsonNode deployment = single(file, "Deployment");
      assertTrue(deployment.path("metadata").path("namespace").isMissingNode(), file + " must be namespace-free");
      assertEquals(2, deployment.path("spec").path("replicas").asInt(), file + " replicas");
      JsonNode template = deployment.path("spec").path("template");
      JsonNode selector = deployment.path("spec").path("selector").path("matchLabels");
      selector.fields().forEachRemaining(e -> assertEquals(e.getValue(), template.path("metadata").path("labels").path(e.getKey()),
          file + ": selector label " + e.getKey() + " must match the pod template"));

      JsonNode container = template.path("spec").path("containers").path(0);
      String configEntry = mountedConfigEntry(file, template, container, configMap);
      Properties config = properties(configMap.path("data").path(configEntry).asText());
      int httpPort = Integer.parseInt(config.getProperty("equistream.http.port"));

      assertEquals("/health/live", container.path("livenessProbe").path("httpGet").path("path").asText(), file + " liveness path");
      assertEquals("/health/ready", container.path("readinessProbe").path("httpGet").path("path").asText(), file + " readiness path");
      for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
        JsonNode port = container.path(probe).path("httpGet").path("port");
        if (container.path(probe).isMissingNode()) {
          continue;
        }
        assertEquals(httpPort, containerPort(container, port), file + " " + probe + " port must be equistream.http.port");
      }
      JsonNode annotations = template.path("metadata").path("annotations");
      assertEquals("true", annotations.path("prometheus.io/scrape").asText(), file + " scrape annotation");
      assertEquals(String.valueOf(httpPort), annotations.path("prometheus.io/port").asText(), file + " scrape port");
      assertEquals("/metrics", annotations.path("prometheus.io/path").asText(), file + " scrape path");

      String javaOpts = env(container, "JAVA_TOOL_OPTIONS");
      assertTrue(javaOpts != null && javaOpts.matches(".*-Xmx\\d+[mMgG].*"), file + " JAVA_TOOL_OPTIONS must set -Xmx: " + javaOpts);
      assertFalse(container.path("resources").path("limits").path("memory").isMissingNode(), file + " memory limit");
      assertFalse(container.path("resources").path("requests").path("cpu").isMissingNode(), file + " cpu request");
    }
  }

  @Test
  void gpuDeploymentRequestsAGpuAndSelectsCuda() throws IOException {
    JsonNode configMap = single(K8S.resolve("configmap.yaml"), "ConfigMap");
    JsonNode gpu = single(K8S.resolve("deployment-gpu.yaml"), "Deployment");
    JsonNode container = gpu.path("spec").path("template").path("spec").path("containers").path(0);
    assertEquals(1, container.path("resources").path("limits").path("nvidia.com/gpu").asInt(0), "GPU limit nvidia.com/gpu: 1");
    String entry = mountedConfigEntry(K8S.resolve("deployment-gpu.yaml"), gpu.path("spec").path("template"), container, configMap);
    assertEquals("cuda", properties(configMap.path("data").path(entry).asText()).getProperty("equistream.device"),
        "GPU Deployment must mount a config with equistream.device=cuda");

    JsonNode cpu = single(K8S.resolve("deployment.yaml"), "Deployment");
    JsonNode cpuContainer = cpu.path("spec").path("template").path("spec").path("containers").path(0);
    assertTrue(cpuContainer.path("resources").path("limits").path("nvidia.com/gpu").isMissingNode(), "CPU Deployment needs no GPU");
    String cpuEntry = mountedConfigEntry(K8S.resolve("deployment.yaml"), cpu.path("spec").path("template"), cpuContainer, configMap);
    assertEquals("cpu", properties(configMap.path("data").path(cpuEntry).asText()).getProperty("equistream.device"));
  }

  @Test
  void serviceBudgetAndAutoscalerFitTheDeployments() throws IOException {
    JsonNode cpu = single(K8S.resolve("deployment.yaml"), "Deployment");
    JsonNode podLabels = cpu.path("spec").path("template").path("metadata").path("labels");
    JsonNode service = single(K8S.resolve("service.yaml"), "Service");
    assertSelects(service.path("spec").path("selector"), podLabels, "Service");
    JsonNode container = cpu.path("spec").path("template").path("spec").path("containers").path(0);
    int metricsPort = service.path("spec").path("ports").path(0).path("port").asInt();
    assertEquals(metricsPort, containerPort(container, service.path("spec").path("ports").path(0).path("targetPort")),
        "Service must expose the container's HTTP (metrics) port");

    JsonNode pdb = single(K8S.resolve("pdb.yaml"), "PodDisruptionBudget");
    assertSelects(pdb.path("spec").path("selector").path("matchLabels"), podLabels, "PodDisruptionBudget");

    JsonNode hpa = single(K8S.resolve("hpa.yaml"), "HorizontalPodAutoscaler");
    assertEquals(cpu.path("metadata").path("name").asText(), hpa.path("spec").path("scaleTargetRef").path("name").asText());
    Properties config = properties(single(K8S.resolve("configmap.yaml"), "ConfigMap").path("data").path("equistream.properties").asText());
    int partitions = Integer.parseInt(config.getProperty("equistream.topics.partitions"));
    assertTrue(hpa.path("spec").path("maxReplicas").asInt() <= partitions,
        "HPA maxReplicas must not exceed the prompts partition count " + partitions + " (extra replicas sit idle)");
    assertTrue(Files.readString(DEPLOY.resolve("README.md")).contains("partition"), "README must explain the partition bound");
  }

  // ----------------------------------------------------------------------------------- compose

  @Test
  void composeFileReferencesExistingFiles() throws IOException {
    Path composeFile = DEPLOY.resolve("docker-compose.yml");
    JsonNode compose = yaml(composeFile).get(0);
    JsonNode services = compose.path("services");
    assertTrue(services.path("kafka").path("image").asText().startsWith("apache/kafka:4."), "KRaft broker image apache/kafka:4.x");
    assertEquals("broker,controller", services.path("kafka").path("environment").path("KAFKA_PROCESS_ROLES").asText());
    assertFalse(services.path("kafka").path("healthcheck").isMissingNode(), "broker needs a healthcheck");

    JsonNode app = services.path("equistream");
    Path context = DEPLOY.resolve(app.path("build").path("context").asText()).normalize();
    assertTrue(Files.isDirectory(context), "build context " + context);
    assertTrue(Files.isRegularFile(context.resolve(app.path("build").path("dockerfile").asText())), "compose dockerfile");
    assertEquals("service_healthy", app.path("depends_on").path("kafka").path("condition").asText());

    int checked = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = services.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> service = it.next();
      for (JsonNode volume : service.getValue().path("volumes")) {
        String source = volume.isTextual() ? volume.asText().split(":")[0] : volume.path("source").asText();
        if (source.startsWith(".") || source.startsWith("/")) {
          Path path = DEPLOY.resolve(source).normalize();
          assertTrue(Files.exists(path), composeFile + ": service " + service.getKey() + " mounts missing " + path);
          checked++;
        } else {
          assertTrue(compose.path("volumes").has(source), composeFile + ": undeclared named volume " + source);
        }
      }
    }
    assertTrue(checked > 0, "expected at least the config bind mount");
  }

  @Test
  void composeProvisionsPrometheusAndGrafanaOverTheServiceMetrics() throws IOException {
    JsonNode services = yaml(DEPLOY.resolve("docker-compose.yml")).get(0).path("services");
    JsonNode prometheus = services.path("prometheus");
    JsonNode grafana = services.path("grafana");
    assertTrue(prometheus.path("image").asText().matches("prom/prometheus:v\\d+\\.\\d+\\.\\d+"), "pinned Prometheus");
    assertTrue(grafana.path("image").asText().matches("grafana/grafana:\\d+\\.\\d+\\.\\d+"), "pinned Grafana");
    // Prometheus scrapes the equistream service's /metrics on its HTTP port.
    String configFlag = "--config.file=";
    String configPath = null;
    for (JsonNode argument : prometheus.path("command")) {
      configPath = argument.asText().startsWith(configFlag) ? argument.asText().substring(configFlag.length()) : configPath;
    }
    assertNotNull(configPath, "Prometheus needs " + configFlag);
    JsonNode scrape = yaml(mountSource(prometheus, configPath)).get(0).path("scrape_configs").path(0);
    int httpPort = Integer.parseInt(properties(EXAMPLE_CONFIG).getProperty("equistream.http.port"));
    assertTrue(services.has("equistream"));
    assertEquals("/metrics", scrape.path("metrics_path").asText());
    assertEquals("equistream:" + httpPort, scrape.path("static_configs").path(0).path("targets").path(0).asText());
    assertEquals("9090:9090", prometheus.path("ports").path(0).asText(), "Prometheus listens on its default 9090");
    // Grafana: the data source is that Prometheus; the dashboard provider reads where compose mounts the JSON.
    Path provisioning = mountSource(grafana, "/etc/grafana/provisioning");
    JsonNode datasource = yaml(provisioning.resolve("datasources/prometheus.yml")).get(0).path("datasources").path(0);
    assertEquals("http://prometheus:9090", datasource.path("url").asText());
    JsonNode provider = yaml(provisioning.resolve("dashboards/equistream.yml")).get(0).path("providers").path(0);
    String dashboardsPath = provider.path("options").path("path").asText();
    List<Path> dashboards = files(mountSource(grafana, dashboardsPath), ".json");
    assertFalse(dashboards.isEmpty(), "no dashboard JSON where the provider reads " + dashboardsPath);
    String home = grafana.path("environment").path("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH").asText();
    assertTrue(Files.isRegularFile(mountSource(grafana, home)), "home dashboard " + home);
    for (Path file : dashboards) {
      List<String> uids = new ArrayList<>();
      JSON.readTree(file.toFile()).findValues("datasource").forEach(d -> uids.add(d.path("uid").asText()));
      assertFalse(uids.isEmpty(), file + " queries nothing");
      uids.forEach(uid -> assertEquals(datasource.path("uid").asText(), uid, file + " must use the provisioned data source"));
    }
  }

  /** The file under deploy/ that a compose service's bind mounts put at {@code target} in the container. */
  static Path mountSource(JsonNode service, String target) {
    for (JsonNode volume : service.path("volumes")) {
      String[] parts = volume.asText().split(":");
      if (parts.length >= 2 && parts[0].startsWith(".") && (target.equals(parts[1]) || target.startsWith(parts[1] + "/"))) {
        return DEPLOY.resolve(parts[0]).resolve(target.substring(parts[1].length()).replaceFirst("^/", "")).normalize();
      }
    }
    throw new AssertionError("no bind mount of " + target + " in " + service);
  }

  // ------------------------------------------------------------------------------------ scripts

  @Test
  void shellScriptsPassBashSyntaxCheck() throws Exception {
    List<Path> scripts = files(DEPLOY, ".sh");
    assertTrue(scripts.size() >= 2, "expected kafka-start.sh and kafka-stop.sh: " + scripts);
    for (String required : List.of("local/kafka-start.sh", "local/kafka-stop.sh")) {
      Path script = DEPLOY.resolve(required);
      assertTrue(Files.isExecutable(script), script + " must be executable");
      assertTrue(Files.readString(script).contains("set -euo pipefail"), script + " must use set -euo pipefail");
    }
    for (Path script : scripts) {
      Result result = exec(List.of("bash", "-n", script.toString()));
      assertEquals(0, result.exitCode, "bash -n " + script + ":\n" + result.output);
    }
  }

  // ------------------------------------------------------------------------------------ helpers

  record Result(int exitCode, String output) { }

  static Result exec(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    process.getOutputStream().close();
    byte[] out = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IOException("timed out: " + command);
    }
    return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  static List<Path> files(Path root, String... suffixes) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> Stream.of(suffixes).anyMatch(s -> p.getFileName().toString().endsWith(s)))
          .sorted().toList();
    }
  }

  private static final Map<Path, List<JsonNode>> YAML_CACHE = new HashMap<>();
  private static Boolean pythonYaml;

  /** All documents of a YAML file as JSON trees. */
  static synchronized List<JsonNode> yaml(Path file) throws IOException {
    List<JsonNode> cached = YAML_CACHE.get(file);
    if (cached != null) {
      return cached;
    }
    List<JsonNode> docs = new ArrayList<>();
    if (pythonYamlAvailable()) {
      Result result;
      try {
        result = exec(List.of("python3", "-c",
            "import json,sys,yaml\n"
                + "print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1], encoding='utf-8')) if d is not None]))",
            file.toString()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      assertEquals(0, result.exitCode, "YAML parse error in " + file + ":\n" + result.output);
      JSON.readTree(result.output).forEach(docs::add);
    } else {
      for (Object doc : snakeYamlLoadAll(Files.readString(file), file)) {
        if (doc != null) {
          docs.add(JSON.valueToTree(doc));
        }
      }
    }
    YAML_CACHE.put(file, docs);
    return docs;
  }

  static boolean pythonYamlAvailable() {
    if (pythonYaml == null) {
      try {
        pythonYaml = exec(List.of("python3", "-c", "import yaml")).exitCode == 0;
      } catch (IOException e) {
        pythonYaml = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        pythonYaml = false;
      }
    }
    return pythonYaml;
  }

  static Iterable<?> snakeYamlLoadAll(String text, Path file) {
    Class<?> yamlClass;
    try {
      yamlClass = Class.forName("org.yaml.snakeyaml.Yaml");
    } catch (ClassNotFoundException e) {
      Assumptions.abort("no YAML parser: neither python3 with PyYAML nor SnakeYAML on the classpath");
      return List.of();
    }
    try {
      Object parser = yamlClass.getConstructor().newInstance();
      List<Object> docs = new ArrayList<>();
      ((Iterable<?>) yamlClass.getMethod("loadAll", String.class).invoke(parser, text)).forEach(docs::add);
      return docs;
    } catch (InvocationTargetException e) {
      throw new AssertionError("YAML parse error in " + file + ": " + e.getCause().getMessage(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new AssertionError("cannot use SnakeYAML", e);
    }
  }

  /** The one document of the given kind in a k8s manifest file. */
  static JsonNode single(Path file, String kind) throws IOException {
    List<JsonNode> matching = yaml(file).stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    assertEquals(1, matching.size(), file + " should hold exactly one " + kind);
    return matching.get(0);
  }

  static Properties properties(Path file) throws IOException {
    return properties(Files.readString(file));
  }

  static Properties properties(String text) throws IOException {
    Properties properties = new Properties();
    properties.load(new StringReader(text));
    return properties;
  }

  /** Every properties file under deploy/config plus every properties entry of the ConfigMap. */
  static Map<String, Properties> allConfigs() throws IOException {
    Map<String, Properties> configs = new LinkedHashMap<>();
    for (Path file : files(DEPLOY.resolve("config"), ".properties")) {
      configs.put(file.toString(), properties(file));
    }
    JsonNode configMap = single(K8S.resolve("configmap.yaml"), "ConfigMap");
    configMap.path("data").fields().forEachRemaining(e -> {
      if (e.getKey().endsWith(".properties")) {
        try {
          configs.put("configmap.yaml[" + e.getKey() + "]", properties(e.getValue().asText()));
        } catch (IOException ex) {
          throw new AssertionError(ex);
        }
      }
    });
    return configs;
  }

  static Class<?> serviceConfigClass() {
    try {
      return Class.forName(SERVICE_CONFIG_CLASS);
    } catch (ClassNotFoundException e) {
      return null;
    }
  }

  /** Joins continuation lines and drops comments/blank lines. */
  static List<String> dockerInstructions(Path dockerfile) throws IOException {
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String raw : Files.readAllLines(dockerfile)) {
      String line = raw.strip();
      if (current.length() == 0 && (line.isEmpty() || line.startsWith("#"))) {
        continue;
      }
      if (line.startsWith("#")) {
        continue; // comment inside a continued instruction
      }
      if (line.endsWith("\\")) {
        current.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      current.append(line);
      out.add(current.toString().replaceAll("\\s+", " ").strip());
      current.setLength(0);
    }
    if (current.length() > 0) {
      out.add(current.toString().strip());
    }
    return out;
  }

  static String last(List<String> instructions, String keyword) {
    return instructions.stream().filter(l -> l.startsWith(keyword + " ")).reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no " + keyword + " instruction"));
  }

  static List<String> copyArgs(String instruction) throws IOException {
    String rest = instruction.substring(instruction.indexOf(' ') + 1).strip();
    List<String> flags = new ArrayList<>();
    Matcher flag = Pattern.compile("^(--\\S+)\\s+").matcher(rest);
    while (flag.find()) {
      flags.add(flag.group(1));
      rest = rest.substring(flag.end());
      flag = Pattern.compile("^(--\\S+)\\s+").matcher(rest);
    }
    List<String> args = new ArrayList<>(flags);
    if (rest.startsWith("[")) {
      JSON.readTree(rest).forEach(n -> args.add(n.asText()));
    } else {
      args.addAll(List.of(rest.split("\\s+")));
    }
    return args;
  }

  /** Plain (wildcard-free) paths excluded by a .dockerignore file. */
  static List<String> dockerignoreLiterals(Path ignoreFile) throws IOException {
    if (!Files.exists(ignoreFile)) {
      return List.of();
    }
    return Files.readAllLines(ignoreFile).stream().map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#") && !l.startsWith("!") && !l.contains("*") && !l.contains("?"))
        .map(l -> l.replaceFirst("^/", "").replaceFirst("/$", ""))
        .toList();
  }

  /** The ConfigMap data key that the container mounts as /app/config/equistream.properties. */
  static String mountedConfigEntry(Path file, JsonNode template, JsonNode container, JsonNode configMap) {
    String configMapName = configMap.path("metadata").path("name").asText();
    for (JsonNode mount : container.path("volumeMounts")) {
      if (!"/app/config/equistream.properties".equals(mount.path("mountPath").asText())) {
        continue;
      }
      String volumeName = mount.path("name").asText();
      for (JsonNode volume : template.path("spec").path("volumes")) {
        if (volumeName.equals(volume.path("name").asText())) {
          assertEquals(configMapName, volume.path("configMap").path("name").asText(), file + " config volume must be the ConfigMap");
          String key = mount.path("subPath").asText();
          assertTrue(configMap.path("data").has(key), file + " mounts ConfigMap key " + key + " which does not exist");
          return key;
        }
      }
      fail(file + ": volume " + volumeName + " not declared");
    }
    throw new AssertionError(file + " does not mount /app/config/equistream.properties");
  }

  static int containerPort(JsonNode container, JsonNode port) {
    if (port.isInt()) {
      return port.asInt();
    }
    for (JsonNode p : container.path("ports")) {
      if (port.asText().equals(p.path("name").asText())) {
        return p.path("containerPort").asInt();
      }
    }
    throw new AssertionError("container has no port named " + port);
  }

  static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (name.equals(e.path("name").asText())) {
        return e.path("value").asText();
      }
    }
    return null;
  }

  static void assertSelects(JsonNode selector, JsonNode podLabels, String what) {
    assertTrue(selector.size() > 0, what + " needs a selector");
    selector.fields().forEachRemaining(e -> assertEquals(e.getValue(), podLabels.path(e.getKey()),
        what + " selector " + e.getKey() + " does not match the Deployment's pods"));
  }
}
