package io.equistream.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** Safety defaults of the service's Kafka configuration. */
class ServiceConfigSafetyTest {
  @Test
  void oversizedOutputsHaveAProductionExceptionHandler() {
    Properties kafka = ServiceConfig.of(new Properties()).kafkaProperties();
    assertEquals("io.equistream.stream.OversizedOutputHandler",
        kafka.get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG));
    Properties own = new Properties();
    own.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, "com.example.Mine");
    assertEquals("com.example.Mine", ServiceConfig.of(own).kafkaProperties()
        .get(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG), "the file's own choice wins");
  }

  /** Secrets come from files (a Kubernetes Secret volume) through Kafka's config providers, for every client. */
  @Test
  void configProviderSecretsResolveForStreamsAndPlainClients() throws Exception {
    Path secrets = Files.createTempDirectory("kafka-secrets");
    Files.writeString(secrets.resolve("truststore.password"), "s3cret-from-file");
    Properties file = new Properties();
    file.put("bootstrap.servers", "broker:9093");
    file.put("security.protocol", "SSL");
    file.put("config.providers", "secrets");
    file.put("config.providers.secrets.class", "org.apache.kafka.common.config.provider.DirectoryConfigProvider");
    file.put("ssl.truststore.password", "${secrets:" + secrets + ":truststore.password}");
    ServiceConfig config = ServiceConfig.of(file);

    Map<String, Object> client = config.clientProperties();
    assertEquals("s3cret-from-file", new AdminClientConfig(client).getPassword("ssl.truststore.password").value(),
        "plain clients (admin, replay, report) get the config providers too");
    StreamsConfig streams = new StreamsConfig(config.kafkaProperties());
    assertEquals("s3cret-from-file", String.valueOf(streams.originals().get("ssl.truststore.password")));
    assertFalse(config.redacted().toString().contains("s3cret"), "logs never show the secret");
    assertTrue(config.redacted().get("ssl.truststore.password").contains("${secrets:"),
        "logs show where the secret comes from: " + config.redacted());
  }

  @Test
  void safetyLimitsAndTheReplyTopicPolicyComeFromTheConfig() {
    Properties file = new Properties();
    file.put("application.id", "tenant-a");
    file.put("equistream.reply.topic.prefix", "tenant-a.replies.");
    file.put("equistream.limit.max.request.id.chars", "64");
    file.put("equistream.health.max.thread.replacements", "5");
    ServiceConfig config = ServiceConfig.of(file);
    assertEquals(64, config.screenLimits().maxRequestIdChars());
    assertEquals(20_000, config.screenLimits().maxPromptChars(), "the engine's prompt limit");
    assertEquals(5, config.crashLoopLimit().maxReplacements());
    assertEquals(java.time.Duration.ofMinutes(10), config.crashLoopLimit().window());
    assertTrue(config.replyTopicPolicy().allows("tenant-a.replies.chat-1"));
    assertFalse(config.replyTopicPolicy().allows("tenant-a-pending-prompts-changelog"));
    assertFalse(config.replyTopicPolicy().allows("completions"));
    assertFalse(config.replyTopicPolicy().allows("reply-x"), "the default prefix no longer applies");
    Properties kafka = config.kafkaProperties();
    assertEquals("65536", kafka.get(DeadLetters.MAX_PAYLOAD_CONFIG), "the handlers get the dead-letter cap");
    assertEquals("900000", kafka.get(OversizedOutputHandler.MAX_OUTPUT_CONFIG));
  }

  /** Shutdown waits longer than any request may run, then for the engine; both follow the deadline. */
  @Test
  void shutdownWaitsLongerThanTheRequestDeadline() {
    Properties file = new Properties();
    file.put("equistream.request.deadline.ms", "300000");
    ServiceConfig config = ServiceConfig.of(file);
    assertEquals(java.time.Duration.ofSeconds(330), config.streamsCloseTimeout());
    assertEquals(java.time.Duration.ofSeconds(390), config.shutdownTimeout(), "+ the engine's 60 s");
    assertEquals(java.time.Duration.ofSeconds(150), ServiceConfig.of(new Properties()).streamsCloseTimeout());
  }
}
