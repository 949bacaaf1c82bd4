package io.equistream.stream;

import io.equistream.answer.ReplyTopicPolicy;
import io.equistream.answer.RequestScreen;
import io.equistream.decode.EngineSettings;
import io.equistream.decode.FairEngine;
import io.equistream.stream.observe.CrashLoopLimit;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.kafka.streams.StreamsConfig;

/**
 * One properties file holds both Kafka keys (passed to Kafka Streams and the clients as they are,
 * TLS/SASL included) and EquiStream keys ({@code equistream.*}, listed in {@link #DEFAULTS}).
 * CLI overrides are applied on top. TLS/SASL keys ({@code security.protocol}, {@code ssl.*},
 * {@code sasl.*}) reach Kafka Streams through {@link #kafkaProperties()} and every plain client
 * through {@link #clientProperties()}; logs only ever show {@link #redacted()}.
 */
public final class ServiceConfig {
  public static final String PREFIX = "equistream.";

  /** Every EquiStream key with its default; an unknown equistream.* key is an error. */
  public static final Map<String, String> DEFAULTS = defaults();

  /** A Kafka config-provider reference, ${provider:path:key}: where a secret is, not the secret. */
  private static final Pattern PROVIDER_REFERENCE = Pattern.compile("\\$\\{[^}]+}");

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("equistream.model.dir", "models/tiny-gpt2");
    d.put("equistream.groups.file", "models/groups/default.json");
    d.put("equistream.device", "cpu");
    d.put("equistream.threads", "0");
    d.put("equistream.dedup", "true");
    d.put("equistream.default.method", "multi");
    d.put("equistream.default.aggregate", "probs");
    d.put("equistream.default.max.new.tokens", "32");
    d.put("equistream.topic.prompts", "prompts");
    d.put("equistream.topic.completions", "completions");
    d.put("equistream.topic.audit", "fairness-audit");
    d.put("equistream.topic.audit-summary", "fairness-audit-summary");
    d.put("equistream.topic.dlq", "prompts-dlq");
    d.put("equistream.topic.chunks", "completion-chunks");
    d.put("equistream.topics.create", "false");
    d.put("equistream.topics.partitions", "4");
    d.put("equistream.topics.replication", "1");
    d.put("equistream.request.deadline.ms", "120000");
    d.put("equistream.engine.max.requests", String.valueOf(EngineSettings.DEFAULT_MAX_REQUESTS));
    d.put("equistream.engine.max.rows", String.valueOf(EngineSettings.DEFAULT_MAX_ROWS));
    d.put("equistream.engine.prefill.chunk.tokens", String.valueOf(EngineSettings.DEFAULT_PREFILL_CHUNK_TOKENS));
    d.put("equistream.engine.memory.bytes", "0");
    d.put("equistream.engine.max.waiting", String.valueOf(EngineSettings.DEFAULT_MAX_WAITING));
    d.put("equistream.handoff.ms", "10");
    d.put("equistream.limit.max.prompt.tokens", "0");
    d.put("equistream.limit.max.new.tokens", "256");
    d.put("equistream.limit.max.prompt.chars", "20000");
    d.put("equistream.limit.max.output.bytes", "900000");
    d.put("equistream.summary.window.ms", "60000");
    d.put("equistream.http.port", "-1");
    d.put("equistream.debug.step.delay.ms", "0");
    // Hostile input and multi-tenant safety (issue 13): sizes checked before a request is buffered,
    // bounded dead letters, reply topics only under a prefix, crash loops turn liveness DOWN.
    d.put("equistream.limit.max.request.id.chars", "256");
    d.put("equistream.limit.max.stop.chars", "256");
    d.put("equistream.limit.max.metadata.entries", "32");
    d.put("equistream.limit.max.metadata.bytes", "8192");
    d.put("equistream.limit.max.field.chars", "256");
    d.put("equistream.limit.max.groups", "32");
    d.put("equistream.dlq.max.payload.bytes", "65536");
    d.put("equistream.reply.topic.prefix", "reply-");
    d.put("equistream.reply.topic.cache.ttl.ms", "60000");
    d.put("equistream.reply.topic.miss.ttl.ms", "10000");
    d.put("equistream.health.max.thread.replacements", "3");
    d.put("equistream.health.thread.replacements.window.ms", "600000");
    return Map.copyOf(d);
  }

  /** Keys of the per-task batching that the engine replaced, with what to use instead. */
  private static final Map<String, String> RETIRED = Map.of(
      "equistream.batch.size", "equistream.engine.max.requests",
      "equistream.batch.linger.ms", "nothing: requests join the running batch at the next step",
      "equistream.batch.max.tokens", "equistream.engine.max.rows and equistream.engine.memory.bytes",
      "equistream.batch.deadline.ms", "equistream.request.deadline.ms (per request, from its arrival)");

  private final Properties properties;

  private ServiceConfig(Properties properties) {
    this.properties = properties;
  }

  public static ServiceConfig load(Path file, Map<String, String> overrides) {
    Properties properties = new Properties();
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("config file not found: " + file);
      }
      try (Reader reader = Files.newBufferedReader(file)) {
        properties.load(reader);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read config " + file + ": " + e.getMessage(), e);
      }
    }
    overrides.forEach(properties::setProperty);
    return of(properties);
  }

  public static ServiceConfig of(Properties source) {
    Properties properties = new Properties();
    properties.putAll(source);
    Set<String> unknown = new TreeSet<>();
    for (String key : properties.stringPropertyNames()) {
      if (RETIRED.containsKey(key)) {
        throw new IllegalArgumentException(key + " was removed: the engine batches continuously across every task;"
            + " use " + RETIRED.get(key));
      }
      if (key.startsWith(PREFIX) && !DEFAULTS.containsKey(key)) {
        unknown.add(key);
      }
    }
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown EquiStream keys " + unknown + " (known: " + new TreeSet<>(DEFAULTS.keySet()) + ")");
    }
    ServiceConfig config = new ServiceConfig(properties);
    config.validate();
    return config;
  }

  private void validate() {
    for (String key : java.util.List.of("equistream.request.deadline.ms", "equistream.engine.max.requests",
        "equistream.engine.max.rows", "equistream.engine.prefill.chunk.tokens", "equistream.engine.max.waiting",
        "equistream.handoff.ms")) {
      if (longValue(key) < 1) {
        throw new IllegalArgumentException(key + " must be at least 1 (got " + get(key) + ")");
      }
    }
    if (memoryBytes() < 0) {
      throw new IllegalArgumentException("equistream.engine.memory.bytes must be >= 0 (0 = derived from the JVM)");
    }
  }

  public String get(String key) {
    if (!DEFAULTS.containsKey(key)) {
      throw new IllegalArgumentException("not an EquiStream key: " + key);
    }
    return properties.getProperty(key, DEFAULTS.get(key)).trim();
  }

  public int intValue(String key) {
    return Integer.parseInt(get(key));
  }

  public long longValue(String key) {
    return Long.parseLong(get(key));
  }

  public boolean booleanValue(String key) {
    return Boolean.parseBoolean(get(key));
  }

  public Path path(String key) {
    return Path.of(get(key));
  }

  public Topics topics() {
    return new Topics(get("equistream.topic.prompts"), get("equistream.topic.completions"),
        get("equistream.topic.audit"), get("equistream.topic.audit-summary"), get("equistream.topic.dlq"),
        get("equistream.topic.chunks"));
  }

  /** How the engine schedules, from the engine keys (memory 0 = derived from the JVM's direct-memory limit). */
  public EngineSettings engineSettings() {
    long memory = memoryBytes();
    return new EngineSettings(booleanValue("equistream.dedup"), intValue("equistream.engine.max.requests"),
        intValue("equistream.engine.max.rows"), intValue("equistream.engine.prefill.chunk.tokens"),
        memory > 0 ? memory : EngineSettings.defaultMemoryBytes(), intValue("equistream.engine.max.waiting"),
        longValue("equistream.debug.step.delay.ms"), true);
  }

  private long memoryBytes() {
    return EngineSettings.parseSize(get("equistream.engine.memory.bytes"));
  }

  /** Kafka keys only, with EquiStream's defaults (exactly-once, DLQ) where the file is silent. */
  public Properties kafkaProperties() {
    Properties kafka = new Properties();
    kafka.put(StreamsConfig.APPLICATION_ID_CONFIG, "equistream");
    kafka.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    kafka.put(StreamsConfig.DEFAULT_DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        DeadLetterHandler.class.getName());
    kafka.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, get("equistream.topic.dlq"));
    // Answers are handed over by a wall-clock punctuator: the stream thread must not sit in poll()
    // for the default 100 ms while the engine has answers waiting.
    kafka.put(StreamsConfig.POLL_MS_CONFIG, get("equistream.handoff.ms"));
    kafka.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, OversizedOutputHandler.class.getName());
    // Read by DeadLetterHandler and OversizedOutputHandler in configure() (Streams hands them its originals).
    kafka.put(DeadLetters.MAX_PAYLOAD_CONFIG, get("equistream.dlq.max.payload.bytes"));
    kafka.put(OversizedOutputHandler.MAX_OUTPUT_CONFIG, get("equistream.limit.max.output.bytes"));
    for (String key : properties.stringPropertyNames()) {
      if (!key.startsWith(PREFIX)) {
        kafka.put(key, properties.getProperty(key));
      }
    }
    return kafka;
  }

  /** Client settings (bootstrap, TLS/SASL) for plain producers, consumers and admin clients. */
  public Map<String, Object> clientProperties() {
    Map<String, Object> client = new LinkedHashMap<>();
    Properties kafka = kafkaProperties();
    for (String key : kafka.stringPropertyNames()) {
      if (key.equals("bootstrap.servers") || key.startsWith("security.") || key.startsWith("ssl.")
          || key.startsWith("sasl.") || key.equals("client.dns.lookup")
          || key.startsWith("config.providers")) { // secrets referenced as ${provider:path:key} resolve in every client
        client.put(key, kafka.getProperty(key));
      }
    }
    return client;
  }

  /** Size limits checked before a request is buffered. */
  public RequestScreen.Limits screenLimits() {
    return new RequestScreen.Limits(intValue("equistream.limit.max.request.id.chars"),
        intValue("equistream.limit.max.prompt.chars"), intValue("equistream.limit.max.stop.chars"),
        intValue("equistream.limit.max.metadata.entries"), intValue("equistream.limit.max.metadata.bytes"),
        intValue("equistream.limit.max.field.chars"), intValue("equistream.limit.max.groups"));
  }

  /** How much longer than the longest request deadline a shutdown gives Kafka Streams to close. */
  public static final Duration CLOSE_MARGIN = Duration.ofSeconds(30);

  /**
   * How long a shutdown waits for Kafka Streams to close: longer than any request may generate
   * ({@code equistream.request.deadline.ms} + {@link #CLOSE_MARGIN}), so a close never gives up on
   * a task that is still handing over an answer.
   */
  public Duration streamsCloseTimeout() {
    return Duration.ofMillis(longValue("equistream.request.deadline.ms")).plus(CLOSE_MARGIN);
  }

  /**
   * The longest a clean shutdown takes: Kafka Streams' close, then the engine's. The shutdown hook
   * of {@code run} waits this long, and a pod's terminationGracePeriodSeconds must cover it.
   */
  public Duration shutdownTimeout() {
    return streamsCloseTimeout().plus(FairEngine.CLOSE_TIMEOUT);
  }

  /** Which reply topics requests may name: under the prefix, never internal or the service's own topics. */
  public ReplyTopicPolicy replyTopicPolicy() {
    return new ReplyTopicPolicy(get("equistream.reply.topic.prefix"),
        kafkaProperties().getProperty(StreamsConfig.APPLICATION_ID_CONFIG), topics().all());
  }

  /** When a crash-looping stream thread turns liveness DOWN. */
  public CrashLoopLimit crashLoopLimit() {
    return new CrashLoopLimit(intValue("equistream.health.max.thread.replacements"),
        Duration.ofMillis(longValue("equistream.health.thread.replacements.window.ms")));
  }

  /**
   * A redacted view for logs: values of keys that look secret are masked, unless they are only a
   * config-provider reference (which says where the secret is read from, not what it is).
   */
  public Map<String, String> redacted() {
    Map<String, String> view = new java.util.TreeMap<>();
    for (String key : properties.stringPropertyNames()) {
      String value = properties.getProperty(key);
      view.put(key, isSecret(key) && !PROVIDER_REFERENCE.matcher(value.trim()).matches() ? "[redacted]" : value);
    }
    return view;
  }

  /**
   * Keys whose values must never be logged: passwords (ssl.key.password, ssl.keystore.password,
   * ssl.truststore.password, ...), sasl.jaas.config, secrets, credentials, PEM private keys
   * (ssl.keystore.key), passphrases, basic-auth user info and (outside equistream.*) tokens.
   */
  public static boolean isSecret(String key) {
    String lower = key.toLowerCase(java.util.Locale.ROOT);
    return lower.contains("password") || lower.contains("jaas") || lower.contains("secret")
        || lower.contains("credentials") || lower.contains("passphrase") || lower.contains("user.info")
        || lower.endsWith("keystore.key") || lower.contains("private.key")
        || lower.contains("token") && !lower.startsWith(PREFIX);
  }
}
