package io.equistream.stream;

import io.equistream.answer.AnswerBuilder;
import io.equistream.answer.ReplyRouting;
import io.equistream.answer.RequestDefaults;
import io.equistream.answer.RequestIntake;
import io.equistream.answer.RequestScreen;
import io.equistream.answer.ServiceIdentity;
import io.equistream.decode.FairEngine;
import io.equistream.decode.RequestLimits;
import io.equistream.lm.ExecutionDevice;
import io.equistream.lm.ModelOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Properties;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: one fair engine for the whole instance (it owns the ONNX session; every
 * task of every stream thread hands it requests, so one batch spans partitions), the topology,
 * and KafkaStreams' lifecycle.
 */
public final class FairStreamsService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FairStreamsService.class);

  private final ServiceConfig config;
  private final FairEngine engine;
  private final ReplyTopics replyTopics;
  private final KafkaStreams streams;
  private final ServiceIdentity identity;
  private final java.util.List<KafkaStreams.StateListener> stateListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  public FairStreamsService(ServiceConfig config, ServiceListener listener) {
    this.config = config;
    if (config.booleanValue("equistream.topics.create")) {
      TopicSetup.createMissing(config.clientProperties(), config.topics().all(),
          config.intValue("equistream.topics.partitions"), (short) config.intValue("equistream.topics.replication"));
    }
    this.engine = openEngine(config, listener);
    this.identity = new ServiceIdentity(engine.model().modelId(), fingerprint(config, engine));
    this.replyTopics = ReplyTopics.of(config);
    Topology topology = topology(config, engine, identity, replyTopics, listener);
    Properties kafka = config.kafkaProperties();
    this.streams = new KafkaStreams(topology, kafka);
    streams.setStateListener((next, previous) -> stateListeners.forEach(l -> l.onChange(next, previous)));
    streams.setUncaughtExceptionHandler(error -> {
      LOG.error("stream thread failed; replacing it", error);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    LOG.info("EquiStream service: model {} ({}), config {}", identity.modelId(), engine.model().device(),
        config.redacted());
  }

  /** The service topology with the settings of a config (shared by run, demo and tests). */
  public static Topology topology(ServiceConfig config, FairEngine engine, ServiceIdentity identity,
      ReplyRouting.TopicExistence replyTopics, ServiceListener listener) {
    RequestDefaults defaults = new RequestDefaults(config.get("equistream.default.method"),
        config.get("equistream.default.aggregate"), config.intValue("equistream.default.max.new.tokens"));
    RequestIntake intake = new RequestIntake(defaults);
    int maxOutputBytes = config.intValue("equistream.limit.max.output.bytes");
    AnswerBuilder answers = new AnswerBuilder(identity, maxOutputBytes);
    RequestScreen screen = new RequestScreen(config.screenLimits());
    ReplyRouting routing = new ReplyRouting(config.replyTopicPolicy(), replyTopics);
    int maxDeadLetterBytes = config.intValue("equistream.dlq.max.payload.bytes");
    return FairTopology.build(config.topics(),
        () -> new FairAnswerProcessor(engine, screen, intake, answers,
            new FairAnswerProcessor.Forwarding(routing, listener, maxDeadLetterBytes),
            config.longValue("equistream.request.deadline.ms"), config.longValue("equistream.handoff.ms")),
        Duration.ofMillis(config.longValue("equistream.summary.window.ms")), maxOutputBytes, maxDeadLetterBytes);
  }

  /** The engine a config describes (model, groups, limits, scheduling), reporting its steps to the listener. */
  public static FairEngine openEngine(ServiceConfig config, ServiceListener listener) {
    int threads = config.intValue("equistream.threads");
    ModelOptions options = new ModelOptions(ExecutionDevice.parse(config.get("equistream.device")),
        threads > 0 ? threads : Math.max(1, Runtime.getRuntime().availableProcessors()), 1);
    RequestLimits limits = new RequestLimits(config.intValue("equistream.limit.max.prompt.tokens"),
        config.intValue("equistream.limit.max.new.tokens"), config.intValue("equistream.limit.max.prompt.chars"));
    return FairEngine.open(config.path("equistream.model.dir"), config.path("equistream.groups.file"), options,
        config.engineSettings(), limits, (requests, rows, nanos) -> listener.stepDone(rows, nanos));
  }

  /** sha-256 of model weights digest + groups file: two answers with equal fingerprints used the same config. */
  public static String fingerprint(ServiceConfig config, FairEngine engine) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      digest.update(engine.model().modelDigest().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      digest.update(Files.readAllBytes(config.path("equistream.groups.file")));
      digest.update(config.get("equistream.dedup").getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot fingerprint the configuration: " + e.getMessage(), e);
    }
  }

  public ServiceIdentity identity() {
    return identity;
  }

  public KafkaStreams streams() {
    return streams;
  }

  public FairEngine engine() {
    return engine;
  }

  /** Listens to state changes; may be added before or after start. */
  public void addStateListener(KafkaStreams.StateListener listener) {
    stateListeners.add(listener);
  }

  public void start() {
    streams.start();
  }

  /** Waits until the application is RUNNING (or fails after the timeout). */
  public void awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > deadline || streams.state() == KafkaStreams.State.ERROR
          || streams.state() == KafkaStreams.State.NOT_RUNNING) {
        throw new IllegalStateException("Kafka Streams did not reach RUNNING (state " + streams.state() + ")");
      }
      Thread.sleep(50);
    }
  }

  /**
   * Closes Kafka Streams first, waiting up to {@link ServiceConfig#streamsCloseTimeout()} (longer
   * than any request's deadline) and leaving the group so a successor takes the tasks at once:
   * tasks commit what they answered and cancel what they did not (the buffer keeps it for the next
   * owner). Only then the engine and its model: no stream thread can hand it a request or read its
   * tokenizer any more. Should Kafka Streams not close in time, the engine is left open (the
   * process is ending anyway) rather than closed under a live stream thread.
   */
  @Override
  public void close() {
    Duration timeout = config.streamsCloseTimeout();
    long started = System.nanoTime();
    LOG.info("closing Kafka Streams (waits up to {} s), then the engine", timeout.toSeconds());
    boolean closed = streams.close(CloseOptions.timeout(timeout)
        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    replyTopics.close();
    if (!closed) {
      LOG.error("Kafka Streams did not close within {} s; the engine is left open", timeout.toSeconds());
      return;
    }
    LOG.info("Kafka Streams closed in {} ms; closing the engine", (System.nanoTime() - started) / 1_000_000);
    engine.close();
    LOG.info("engine closed");
  }
}
