package io.equistream.stream.observe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.stream.ServiceConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/**
 * TLS/SASL settings in the properties file reach Kafka Streams (main consumer, restore consumer,
 * producer, admin) and every plain client, unchanged; the logged view masks every secret.
 */
class SecurityPassThroughTest {
  static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required"
      + " username=\"equistream\" password=\"jaas-pass-4711\";";

  /** A SASL_SSL + mTLS configuration with distinctive secret values. */
  static Map<String, String> secureSettings() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("bootstrap.servers", "broker-1:9093");
    settings.put("security.protocol", "SASL_SSL");
    settings.put("sasl.mechanism", "PLAIN");
    settings.put("sasl.jaas.config", JAAS);
    settings.put("ssl.truststore.location", "/secrets/truststore.jks");
    settings.put("ssl.truststore.password", "truststore-pass-4711");
    settings.put("ssl.keystore.location", "/secrets/keystore.jks");
    settings.put("ssl.keystore.password", "keystore-pass-4711");
    settings.put("ssl.key.password", "key-pass-4711");
    settings.put("ssl.endpoint.identification.algorithm", "https");
    settings.put("sasl.oauthbearer.client.credentials.client.secret", "oauth-secret-4711");
    settings.put("sasl.login.callback.handler.credentials", "credentials-4711");
    return settings;
  }

  static final List<String> SECRET_VALUES = List.of("jaas-pass-4711", "truststore-pass-4711", "keystore-pass-4711",
      "key-pass-4711", "oauth-secret-4711", "credentials-4711");

  static final List<String> PASS_THROUGH = List.of("security.protocol", "sasl.mechanism", "sasl.jaas.config",
      "ssl.truststore.location", "ssl.truststore.password", "ssl.keystore.location", "ssl.keystore.password",
      "ssl.key.password", "ssl.endpoint.identification.algorithm");

  @Test
  void tlsAndSaslKeysReachEveryKafkaClientUnchanged() {
    Map<String, String> settings = secureSettings();
    ServiceConfig config = ServiceConfig.load(null, settings);
    Properties streamsProps = config.kafkaProperties();
    Map<String, Object> client = config.clientProperties();
    StreamsConfig streams = new StreamsConfig(streamsProps);
    List<Map<String, Object>> streamsClients = List.of(
        streams.getMainConsumerConfigs("g", "c", 0),
        streams.getRestoreConsumerConfigs("c"),
        streams.getProducerConfigs("c"),
        streams.getAdminConfigs("c"));
    for (String key : PASS_THROUGH) {
      assertEquals(settings.get(key), streamsProps.getProperty(key), "Kafka Streams: " + key);
      assertEquals(settings.get(key), client.get(key), "plain clients: " + key);
      for (Map<String, Object> clientConfig : streamsClients) {
        assertEquals(settings.get(key), String.valueOf(clientConfig.get(key)), "stream client: " + key);
      }
    }
    assertEquals("broker-1:9093", client.get("bootstrap.servers"));
    assertFalse(client.keySet().stream().anyMatch(k -> k.startsWith("equistream.")));
  }

  @Test
  void theRedactedViewMasksEverySecret() {
    Map<String, String> settings = secureSettings();
    settings.put("basic.auth.user.info", "user:userinfo-4711");
    settings.put("ssl.keystore.key", "-----BEGIN PRIVATE KEY----- pem-4711");
    settings.put("producer.ssl.key.password", "prefixed-4711");
    settings.put("equistream.engine.max.requests", "8");
    Map<String, String> view = ServiceConfig.load(null, settings).redacted();
    for (String key : List.of("sasl.jaas.config", "ssl.truststore.password", "ssl.keystore.password", "ssl.key.password",
        "sasl.oauthbearer.client.credentials.client.secret", "sasl.login.callback.handler.credentials",
        "basic.auth.user.info", "ssl.keystore.key", "producer.ssl.key.password")) {
      assertEquals("[redacted]", view.get(key), key);
    }
    String text = view.toString();
    for (String secret : List.of("4711\"", "pass-4711", "secret-4711", "credentials-4711", "userinfo-4711", "pem-4711",
        "prefixed-4711")) {
      assertFalse(text.contains(secret), secret + " leaked: " + text);
    }
    assertEquals("SASL_SSL", view.get("security.protocol"));
    assertEquals("/secrets/keystore.jks", view.get("ssl.keystore.location"));
    assertEquals("8", view.get("equistream.engine.max.requests"));
    assertTrue(ServiceConfig.isSecret("SSL.KEY.PASSWORD"), "case-insensitive");
    assertFalse(ServiceConfig.isSecret("equistream.limit.max.prompt.tokens"), "equistream token limits are not secrets");
  }
}
