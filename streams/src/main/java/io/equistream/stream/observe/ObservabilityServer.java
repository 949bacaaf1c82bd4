package io.equistream.stream.observe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's HTTP endpoints (JDK HTTP server, all interfaces):
 * <ul>
 *   <li>{@code GET /health/live}: 200 unless Kafka Streams is failing or shut down (see
 *       {@link Health#live}) or its stream threads crash-loop (replaced more often than the
 *       {@link CrashLoopLimit} allows: {@link ServiceMetrics#crashLooping()}); also 200 while the
 *       model is still loading, so a startup probe can wait
 *   <li>{@code GET /health/ready}: 200 only while Kafka Streams is RUNNING, else 503; the body names
 *       the state
 *   <li>{@code GET /metrics}: Prometheus text exposition format 0.0.4
 * </ul>
 * Start it before the service is built (model loading takes a while), then {@link #attach} the
 * KafkaStreams state.
 */
public final class ObservabilityServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ObservabilityServer.class);
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;
  private final ServiceMetrics metrics;
  private volatile Supplier<KafkaStreams.State> state = () -> null;

  private ObservabilityServer(HttpServer server, ExecutorService executor, ServiceMetrics metrics) {
    this.server = server;
    this.executor = executor;
    this.metrics = metrics;
  }

  /** Binds {@code port} on all interfaces (0 = an ephemeral port, see {@link #port()}) and starts serving. */
  public static ObservabilityServer start(int port, ServiceMetrics metrics) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("equistream.http.port must be -1 (off) or 0..65535, not " + port);
    }
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(port), 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on HTTP port " + port + ": " + e.getMessage(), e);
    }
    AtomicInteger threads = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(2, task -> {
      Thread thread = new Thread(task, "equistream-http-" + threads.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    ObservabilityServer observability = new ObservabilityServer(server, executor, metrics);
    server.setExecutor(executor);
    server.createContext("/health/live", exchange -> observability.health(exchange, true));
    server.createContext("/health/ready", exchange -> observability.health(exchange, false));
    server.createContext("/metrics", observability::metrics);
    server.createContext("/", exchange -> respond(exchange, 404, "text/plain; charset=utf-8",
        "not found; try /health/live, /health/ready or /metrics\n"));
    server.start();
    LOG.info("HTTP health and metrics on port {} (/health/live, /health/ready, /metrics)", observability.port());
    return observability;
  }

  /** The bound port (the ephemeral one when started with 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  /** Health follows this KafkaStreams from now on. */
  public void attach(KafkaStreams streams) {
    attach(streams::state);
  }

  /** Health follows this state (null = not built yet, e.g. while the model loads). */
  public void attach(Supplier<KafkaStreams.State> stateSupplier) {
    this.state = stateSupplier;
  }

  private void health(HttpExchange exchange, boolean liveness) throws IOException {
    if (!allowed(exchange)) {
      return;
    }
    KafkaStreams.State current = state.get();
    boolean up = liveness ? Health.live(current) : Health.ready(current);
    String crashLoop = "";
    if (liveness && metrics != null) {
      long replaced = metrics.recentThreadReplacements();
      if (replaced > metrics.crashLoopLimit().maxReplacements()) {
        up = false; // RUNNING, but its threads die and are replaced on and on: restart the instance
      }
      crashLoop = ",\"thread_replacements\":" + replaced + ",\"thread_replacements_limit\":"
          + metrics.crashLoopLimit().maxReplacements() + ",\"window_s\":" + metrics.crashLoopLimit().window().toSeconds();
    }
    String body = "{\"status\":\"" + (up ? "UP" : "DOWN") + "\",\"state\":\"" + (current == null ? "STARTING" : current)
        + "\"" + crashLoop + "}\n";
    respond(exchange, up ? 200 : 503, "application/json", body);
  }

  private void metrics(HttpExchange exchange) throws IOException {
    if (!allowed(exchange)) {
      return;
    }
    String text;
    try {
      text = metrics.scrape();
    } catch (RuntimeException e) {
      LOG.warn("metrics scrape failed: {}", e.toString());
      respond(exchange, 500, "text/plain; charset=utf-8", "scrape failed\n");
      return;
    }
    respond(exchange, 200, PROMETHEUS_TEXT, text);
  }

  private static boolean allowed(HttpExchange exchange) throws IOException {
    String method = exchange.getRequestMethod();
    if (method.equals("GET") || method.equals("HEAD")) {
      return true;
    }
    exchange.getResponseHeaders().set("Allow", "GET, HEAD");
    respond(exchange, 405, "text/plain; charset=utf-8", "method not allowed\n");
    return false;
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    try {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      if (exchange.getRequestMethod().equals("HEAD")) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } finally {
      exchange.close();
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  /** Probe semantics, by Kafka Streams state (null = the service is still being built). */
  public static final class Health {
    private Health() {
    }

    /** Alive unless Kafka Streams failed (PENDING_ERROR, ERROR) or is shutting down / shut down. */
    public static boolean live(KafkaStreams.State state) {
      return state == null || switch (state) {
        case CREATED, REBALANCING, RUNNING -> true;
        case PENDING_SHUTDOWN, NOT_RUNNING, PENDING_ERROR, ERROR -> false;
      };
    }

    /** Ready only while RUNNING (partitions assigned, processing). */
    public static boolean ready(KafkaStreams.State state) {
      return state == KafkaStreams.State.RUNNING;
    }
  }
}
