package io.equistream.deploy;

import static io.equistream.deploy.DeployFilesTest.DEPLOY;
import static io.equistream.deploy.DeployFilesTest.K8S;
import static io.equistream.deploy.DeployFilesTest.files;
import static io.equistream.deploy.DeployFilesTest.mountedConfigEntry;
import static io.equistream.deploy.DeployFilesTest.properties;
import static io.equistream.deploy.DeployFilesTest.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The deployment files' secrets and dead-letter documentation (with {@link DeployFilesTest}'s
 * parsers): TLS/SASL secrets only through Kafka config providers from a mounted Kubernetes Secret,
 * never in the ConfigMap; the DLQ described as what it is.
 */
class DeploySecretsTest {
  /** A secret-looking Kafka key (the service's own redaction rule, minus the equistream.* exemption). */
  static final Pattern SECRET_KEY = Pattern.compile(
      "(?i).*(password|jaas|secret|credentials|passphrase|user\\.info|keystore\\.key|private\\.key|token).*");
  /** A Kafka config-provider reference: ${provider:path:key}. */
  static final Pattern PROVIDER_REF = Pattern.compile("\\$\\{(\\w+):([^:}]+):([^}]+)}");

  /**
   * TLS/SASL secrets never sit in the ConfigMap: every secret-looking key (also in the commented
   * examples) is a config-provider reference into a file of a mounted Kubernetes Secret, every
   * reference's provider is declared with a real Kafka provider class, and both Deployments mount
   * that Secret read-only where the references point.
   */
  @Test
  void kubernetesSecretsComeFromASecretThroughConfigProviders() throws Exception {
    JsonNode configMap = single(K8S.resolve("configmap.yaml"), "ConfigMap");
    JsonNode secret = single(K8S.resolve("secret.yaml"), "Secret");
    Set<String> secretKeys = new TreeSet<>();
    secret.path("stringData").fieldNames().forEachRemaining(secretKeys::add);
    secret.path("data").fieldNames().forEachRemaining(secretKeys::add);
    for (Path file : List.of(K8S.resolve("deployment.yaml"), K8S.resolve("deployment-gpu.yaml"))) {
      JsonNode deployment = single(file, "Deployment");
      JsonNode template = deployment.path("spec").path("template");
      JsonNode container = template.path("spec").path("containers").path(0);
      String entry = mountedConfigEntry(file, template, container, configMap);
      String text = configMap.path("data").path(entry).asText();
      Properties config = properties(text);
      Map<String, String> providers = new HashMap<>();
      for (String name : config.getProperty("config.providers", "").split(",")) {
        if (!name.isBlank()) {
          String type = config.getProperty("config.providers." + name.strip() + ".class");
          assertNotNull(type, file + ": provider " + name + " has no class");
          Class.forName(type); // a real Kafka provider
          providers.put(name.strip(), type);
        }
      }
      assertFalse(providers.isEmpty(), entry + " must declare config.providers for its secrets");
      String mountPath = secretMountPath(file, template, container, secret.path("metadata").path("name").asText());
      int references = 0;
      Matcher line = Pattern.compile("(?m)^#?\\s*([a-z][a-z0-9.]*)=(.*)$").matcher(text);
      while (line.find()) {
        String key = line.group(1);
        String value = line.group(2).strip();
        if (key.startsWith("equistream.") || key.startsWith("config.providers") || !SECRET_KEY.matcher(key).matches()) {
          continue;
        }
        Matcher ref = PROVIDER_REF.matcher(value);
        assertTrue(ref.matches(), entry + ": " + key + " must come from a Secret through a config provider"
            + " (${provider:" + mountPath + ":file}), not be written in the ConfigMap: " + value);
        assertTrue(providers.containsKey(ref.group(1)), entry + ": " + key + " uses undeclared provider " + ref.group(1));
        assertEquals(mountPath, ref.group(2), entry + ": " + key + " must read the mounted Secret");
        assertTrue(secretKeys.contains(ref.group(3)), entry + ": " + key + " reads " + ref.group(3)
            + ", which secret.yaml does not define " + secretKeys);
        references++;
      }
      assertTrue(references >= 4, entry + " should show the truststore, keystore and SASL secrets as references");
      for (String location : List.of("ssl.truststore.location", "ssl.keystore.location")) {
        Matcher loc = Pattern.compile("(?m)^#?\\s*" + Pattern.quote(location) + "=(.*)$").matcher(text);
        while (loc.find()) {
          assertTrue(loc.group(1).strip().startsWith(mountPath + "/"), entry + ": " + location + " must be in the Secret");
        }
      }
    }
  }

  /** Where the container mounts the named Secret (read-only); fails when it does not. */
  static String secretMountPath(Path file, JsonNode template, JsonNode container, String secretName) {
    for (JsonNode volume : template.path("spec").path("volumes")) {
      if (!secretName.equals(volume.path("secret").path("secretName").asText())) {
        continue;
      }
      for (JsonNode mount : container.path("volumeMounts")) {
        if (volume.path("name").asText().equals(mount.path("name").asText())) {
          assertTrue(mount.path("readOnly").asBoolean(false), file + ": the Secret must be mounted read-only");
          return mount.path("mountPath").asText().replaceFirst("/$", "");
        }
      }
    }
    throw new AssertionError(file + " does not mount the Secret " + secretName);
  }

  @Test
  void configFilesDescribeWhatTheDeadLetterTopicHolds() throws IOException {
    Map<String, String> texts = new LinkedHashMap<>();
    for (Path file : files(DEPLOY.resolve("config"), ".properties")) {
      texts.put(file.toString(), Files.readString(file));
    }
    JsonNode configMap = single(K8S.resolve("configmap.yaml"), "ConfigMap");
    configMap.path("data").fields().forEachRemaining(e -> texts.put("configmap.yaml[" + e.getKey() + "]",
        e.getValue().asText()));
    for (Map.Entry<String, String> text : texts.entrySet()) {
      Matcher comment = Pattern.compile("(?m)((?:^\\s*#.*\\n)+)\\s*equistream\\.topic\\.dlq=").matcher(text.getValue());
      assertTrue(comment.find(), text.getKey() + " must explain equistream.topic.dlq");
      String explanation = comment.group(1).toLowerCase(java.util.Locale.ROOT);
      assertFalse(explanation.contains("rejected requests") || explanation.contains("bad json"), text.getKey()
          + ": rejected requests get a REJECTED completion, not a dead letter, and requests are Avro: " + explanation);
      assertTrue(explanation.contains("undeserializable") && explanation.contains("request_id"),
          text.getKey() + ": say what is dead-lettered: " + explanation);
    }
  }
}
