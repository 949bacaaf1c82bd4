package io.equistream.cli;

import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceConfig;
import io.equistream.stream.ServiceListener;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Runs the service against external brokers until SIGTERM/SIGINT. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the EquiStream service against a Kafka cluster.")
final class RunCommand implements Callable<Integer> {
  @Mixin
  ServiceOptions options;

  @Override
  public Integer call() throws Exception {
    ServiceConfig config = options.load();
    CountDownLatch stopped = new CountDownLatch(1);
    try (FairStreamsService service = new FairStreamsService(config, ServiceListener.NONE)) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        stopped.countDown();
      }, "equistream-shutdown"));
      service.start();
      System.err.println("equistream: running (application.id " + config.kafkaProperties().getProperty("application.id")
          + "); stop with SIGTERM or Ctrl-C");
      stopped.await();
      System.err.println("equistream: stopping");
    }
    return 0;
  }
}
