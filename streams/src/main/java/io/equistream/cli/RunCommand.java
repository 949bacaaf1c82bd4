package io.equistream.cli;

import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceConfig;
import io.equistream.stream.observe.ObservabilityServer;
import io.equistream.stream.observe.ServiceMetrics;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Runs the service against external brokers until SIGTERM/SIGINT; exits 0 after its clean close. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the EquiStream service against a Kafka cluster.")
final class RunCommand implements Callable<Integer> {
  @Mixin
  ServiceOptions options;

  @Override
  public Integer call() throws Exception {
    ServiceConfig config = options.load();
    int httpPort = config.intValue("equistream.http.port");
    CountDownLatch stopped = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    // The HTTP server starts before the model loads: live (200) and not ready (503) meanwhile.
    try (ServiceMetrics metrics = ServiceMetrics.forService(config);
        ObservabilityServer http = httpPort >= 0 ? ObservabilityServer.start(httpPort, metrics) : null;
        FairStreamsService service = new FairStreamsService(config, metrics)) {
      metrics.bind(service.streams());
      metrics.bindEngine(service.engine().stats());
      if (http != null) {
        http.attach(service.streams());
        System.err.println("equistream: health and metrics on http port " + http.port());
      }
      // A stop signal only wakes this thread: the close below runs before the JVM's shutdown
      // (see StopSignals). The hook covers any other way the JVM may begin to exit; it waits
      // for the clean close (Kafka Streams commits and leaves the group, then the engine stops).
      long shutdownMillis = config.shutdownTimeout().toMillis();
      StopSignals.install(stopped::countDown);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        stopped.countDown();
        try {
          closed.await(shutdownMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "equistream-shutdown"));
      service.start();
      System.err.println("equistream: running (application.id " + config.kafkaProperties().getProperty("application.id")
          + "); stop with SIGTERM or Ctrl-C");
      stopped.await();
      System.err.println("equistream: stopping (Kafka Streams, then the engine; at most "
          + shutdownMillis / 1000 + " s)");
    } finally {
      closed.countDown();
    }
    return 0;
  }
}
