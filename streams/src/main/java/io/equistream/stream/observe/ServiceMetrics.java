package io.equistream.stream.observe;

import io.equistream.audit.Measured;
import io.equistream.decode.EngineStats;
import io.equistream.group.GroupCatalog;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.GroupDisparity;
import io.equistream.stream.ServiceConfig;
import io.equistream.stream.ServiceListener;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The service's Micrometer metrics, fed by {@link ServiceListener} events, plus Kafka Streams' own
 * metrics ({@link #bind(KafkaStreams)}) and JVM metrics, scraped in the Prometheus text format.
 *
 * <p>Prometheus names (Micrometer adds {@code _total} to counters and {@code _seconds} to timers):
 * <ul>
 *   <li>{@code equistream_tokens_generated_total} and {@code equistream_tokens_per_second} (gauge,
 *       generated tokens per second over the last {@link #DEFAULT_RATE_WINDOW_SECONDS} s)
 *   <li>{@code equistream_forward_sequences_total} (distinct sequences run through the model) and
 *       {@code equistream_equitune_sequences_without_dedup_total} (what a naive EquiTune would run);
 *       their difference is what deduplication saved
 *   <li>{@code equistream_requests_total{status=ok|rejected|failed,method}}
 *   <li>{@code equistream_disparity_base} and {@code equistream_disparity_fair} (summaries: count,
 *       sum, max, quantiles 0.5/0.9/0.99; tags {@code group}, {@code method}): per request and group,
 *       the mean disparity of the base and of the fair next-token distribution (NaN is skipped)
 *   <li>{@code equistream_intervention_rate{method}} (summary, same shape): share of steps where the
 *       fair token differed from the base token
 *   <li>{@code equistream_request_latency_seconds{method,status}} (histogram of total_ms),
 *       {@code equistream_request_queue_seconds{method}} (queue_ms)
 *   <li>{@code equistream_model_step_seconds}, {@code equistream_model_step_rows} (one model call
 *       of the engine and its rows), {@code equistream_engine_running_requests},
 *       {@code equistream_engine_waiting_requests}, {@code equistream_engine_memory_budget_bytes},
 *       {@code equistream_engine_memory_reserved_bytes}, {@code equistream_engine_native_bytes},
 *       {@code equistream_engine_preemptions_total}
 *   <li>{@code equistream_streams_running} (1 while Kafka Streams is RUNNING),
 *       {@code equistream_stream_thread_replacements_recent} (stream threads replaced within the
 *       crash-loop window; above the limit, liveness is DOWN: {@link #crashLooping()})
 *   <li>{@code kafka_stream_*}, {@code kafka_consumer_*}, {@code kafka_producer_*}, {@code kafka_admin_*}:
 *       Kafka Streams and client metrics; {@code jvm_*}, {@code process_*}, {@code system_*}
 * </ul>
 * Metrics never carry prompt or completion text; tag values come from closed sets
 * ({@link MetricLabels}: known methods and groups, anything else "other"), so the number of
 * series is bounded whatever requests arrive.
 */
public final class ServiceMetrics implements ServiceListener, AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ServiceMetrics.class);
  public static final int DEFAULT_RATE_WINDOW_SECONDS = 10;
  /** Without a groups file, at most this many distinct group names become labels. */
  public static final int MAX_LEARNED_GROUPS = 16;
  // Micrometer's fixed histogram buckets round fractional values up to integers, so the [0, 1]
  // quantities (disparity, intervention rate) publish quantiles (HdrHistogram, exact doubles) instead.
  private static final double[] QUANTILES = {0.5, 0.9, 0.99};
  private static final double[] ROW_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256};

  private final PrometheusMeterRegistry registry;
  private final RateWindow tokenRate;
  private final Counter tokens;
  private final Counter forwardSequences;
  private final Counter equituneSequences;
  private final Timer modelStep;
  private final DistributionSummary stepRows;
  private final JvmGcMetrics gcMetrics;
  private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
  private final MetricLabels labels;
  private final CrashLoopWatch crashLoop;
  private volatile KafkaStreamsMetrics streamsMetrics;
  private volatile KafkaStreams streams;

  public ServiceMetrics() {
    this(Clock.SYSTEM, DEFAULT_RATE_WINDOW_SECONDS);
  }

  public ServiceMetrics(Clock clock, int rateWindowSeconds) {
    this(clock, rateWindowSeconds, MetricLabels.learning(MAX_LEARNED_GROUPS), CrashLoopLimit.DEFAULT);
  }

  /** The service's metrics: group labels from its groups file, the crash-loop limit from its config. */
  public static ServiceMetrics forService(ServiceConfig config) {
    return new ServiceMetrics(Clock.SYSTEM, DEFAULT_RATE_WINDOW_SECONDS,
        MetricLabels.knownGroups(GroupCatalog.namesIn(config.path("equistream.groups.file"))), config.crashLoopLimit());
  }

  public ServiceMetrics(Clock clock, int rateWindowSeconds, MetricLabels labels, CrashLoopLimit crashLoopLimit) {
    this.labels = labels;
    this.crashLoop = new CrashLoopWatch(crashLoopLimit, this::failedStreamThreads, clock::wallTime);
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT,
        new io.prometheus.metrics.model.registry.PrometheusRegistry(), clock);
    this.tokenRate = new RateWindow(clock, rateWindowSeconds);
    this.tokens = Counter.builder("equistream.tokens.generated")
        .description("Completion tokens generated (OK answers)").register(registry);
    Gauge.builder("equistream.tokens.per.second", tokenRate, RateWindow::perSecond)
        .description("Completion tokens generated per second over the last " + rateWindowSeconds + " s")
        .register(registry);
    this.forwardSequences = Counter.builder("equistream.forward.sequences")
        .description("Distinct sequences run through the model, summed over decoding steps").register(registry);
    this.equituneSequences = Counter.builder("equistream.equitune.sequences.without.dedup")
        .description("Sequences a naive EquiTune would have run (one per group element per step)")
        .register(registry);
    this.modelStep = Timer.builder("equistream.model.step")
        .description("One model call of the engine: a decoding step or a prefill chunk over its rows")
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(100_000))
        .maximumExpectedValue(Duration.ofSeconds(30)).register(registry);
    this.stepRows = DistributionSummary.builder("equistream.model.step.rows")
        .description("Rows (distinct sequences) in one forward pass").serviceLevelObjectives(ROW_BUCKETS)
        .register(registry);
    Gauge.builder("equistream.streams.running", this, m -> m.streams != null
            && m.streams.state() == KafkaStreams.State.RUNNING ? 1 : 0)
        .description("1 while Kafka Streams is RUNNING, else 0").register(registry);
    Gauge.builder("equistream.stream.thread.replacements.recent", crashLoop, CrashLoopWatch::recentReplacements)
        .description("Stream threads replaced within the last " + crashLoopLimit.window().toSeconds()
            + " s; above " + crashLoopLimit.maxReplacements() + " liveness is DOWN (a crash loop)")
        .register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    this.gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
  }

  /** The engine's scheduling and memory gauges (read from its stats at each scrape). */
  public void bindEngine(EngineStats engine) {
    Gauge.builder("equistream.engine.running.requests", engine, EngineStats::running)
        .description("Requests in the engine's running batch").register(registry);
    Gauge.builder("equistream.engine.waiting.requests", engine, EngineStats::waiting)
        .description("Requests handed to the engine and waiting for admission").register(registry);
    Gauge.builder("equistream.engine.memory.budget.bytes", engine, EngineStats::budgetBytes)
        .description("equistream.engine.memory.bytes: KV caches and step buffers of admitted requests stay within it")
        .register(registry);
    Gauge.builder("equistream.engine.memory.reserved.bytes", engine, EngineStats::reservedBytes)
        .description("What admitted requests (and the fixed scratch) reserved of the budget").register(registry);
    Gauge.builder("equistream.engine.native.bytes", engine, EngineStats::nativeBytes)
        .description("Native buffers (KV caches, logits) held by the engine now").register(registry);
    FunctionCounter.builder("equistream.engine.preemptions", engine, EngineStats::preemptions)
        .description("Running requests sent back to the queue because their forks outgrew the budget")
        .register(registry);
  }

  /** Binds Kafka Streams' metrics (and its clients'); call once the KafkaStreams instance exists. */
  public synchronized void bind(KafkaStreams kafkaStreams) {
    if (streamsMetrics != null) {
      throw new IllegalStateException("Kafka Streams metrics are already bound");
    }
    this.streams = kafkaStreams;
    this.streamsMetrics = new KafkaStreamsMetrics(kafkaStreams);
    streamsMetrics.bindTo(registry);
  }

  /** Kafka Streams' cumulative failed (and, with REPLACE_THREAD, replaced) stream threads; 0 before bind. */
  long failedStreamThreads() {
    KafkaStreams bound = streams;
    if (bound == null) {
      return 0;
    }
    for (Map.Entry<MetricName, ? extends Metric> e : bound.metrics().entrySet()) {
      if (e.getKey().name().equals("failed-stream-threads") && e.getKey().group().equals("stream-metrics")) {
        Object value = e.getValue().metricValue();
        return value instanceof Number n ? n.longValue() : 0;
      }
    }
    return 0;
  }

  /** Stream threads were replaced more often than the crash-loop limit allows within its window. */
  public boolean crashLooping() {
    return crashLoop.crashLooping();
  }

  /** Stream-thread replacements within the crash-loop window. */
  public long recentThreadReplacements() {
    return crashLoop.recentReplacements();
  }

  public CrashLoopLimit crashLoopLimit() {
    return crashLoop.limit();
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Prometheus text exposition format 0.0.4. */
  public String scrape() {
    return registry.scrape();
  }

  // The listener methods run on the stream thread inside processing: a metrics problem must never
  // fail a batch, so each is guarded.

  @Override
  public void stepDone(int rows, long nanos) {
    try {
      modelStep.record(nanos, TimeUnit.NANOSECONDS);
      stepRows.record(rows);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  @Override
  public void answered(FairCompletion completion, FairnessAudit audit) {
    try {
      recordAnswer(completion, audit);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  private void failed(RuntimeException e) {
    if (failures.getAndIncrement() < 10) {
      LOG.warn("recording a metric failed (metrics only; processing goes on): {}", e.toString());
    }
  }

  private void recordAnswer(FairCompletion completion, FairnessAudit audit) {
    CompletionStatus status = completion.getStatus() == null ? CompletionStatus.FAILED : completion.getStatus();
    String method = labels.method(completion.getMethod());
    String statusTag = status.name().toLowerCase(Locale.ROOT);
    Counter.builder("equistream.requests").description("Answered requests by status and fairness method")
        .tag("status", statusTag).tag("method", method).register(registry).increment();
    Timer.builder("equistream.request.latency")
        .description("Request latency: request timestamp to answer (total_ms)")
        .tag("method", method).tag("status", statusTag)
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(5)).register(registry)
        .record(Math.max(0, completion.getTotalMs()), TimeUnit.MILLISECONDS);
    if (status != CompletionStatus.OK) {
      return;
    }
    Timer.builder("equistream.request.queue").description("Time from request timestamp to start of inference")
        .tag("method", method).register(registry).record(Math.max(0, completion.getQueueMs()), TimeUnit.MILLISECONDS);
    long generated = Math.max(0, completion.getCompletionTokens());
    tokens.increment(generated);
    tokenRate.add(generated);
    forwardSequences.increment(Math.max(0, completion.getForwardSequences()));
    equituneSequences.increment(Math.max(0, completion.getEquituneSequencesWithoutDedup()));
    if (audit == null) {
      return;
    }
    if (audit.getSteps() > 0 && Double.isFinite(audit.getInterventionRate())) {
      DistributionSummary.builder("equistream.intervention.rate")
          .description("Share of decoding steps where the fair token differed from the base token")
          .tag("method", method).publishPercentiles(QUANTILES).register(registry)
          .record(audit.getInterventionRate());
    }
    if (audit.getDisparities() != null) {
      for (GroupDisparity disparity : audit.getDisparities()) {
        String group = labels.group(disparity.getGroup());
        record("equistream.disparity.base", "Mean disparity of the base model's next-token mass over a group's orbits",
            group, method, disparity.getBaseMean());
        record("equistream.disparity.fair", "Mean disparity of the fair next-token distribution over a group's orbits",
            group, method, disparity.getFairMean());
      }
    }
  }

  private void record(String name, String description, String group, String method, Double value) {
    if (!Measured.isMeasured(value) || !Double.isFinite(value) || value < 0) {
      return; // not measured (null, or NaN from v1 writers) or a broken value: nothing to record
    }
    DistributionSummary.builder(name).description(description).tag("group", group).tag("method", method)
        .publishPercentiles(QUANTILES).register(registry).record(value);
  }

  @Override
  public synchronized void close() {
    if (streamsMetrics != null) {
      streamsMetrics.close();
    }
    gcMetrics.close();
    registry.close();
  }
}
