package io.equistream.stream;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;

/**
 * TopologyTestDriver with the real engine, which generates on its own thread: answers reach the
 * output topics only when the hand-off punctuator runs, i.e. when the driver's wall clock moves.
 */
public final class EngineDriving {
  private EngineDriving() {
  }

  /** Advances wall-clock time in small steps until {@code topic} holds {@code count} records (60 s at most). */
  public static void awaitRecords(TopologyTestDriver driver, TestOutputTopic<?, ?> topic, int count)
      throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (topic.getQueueSize() < count) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("only " + topic.getQueueSize() + " of " + count + " records arrived");
      }
      Thread.sleep(5);
      driver.advanceWallClockTime(Duration.ofMillis(10));
    }
  }

  /** A copy of a model whose config claims more positions than its graph has: prompts past the graph's fail in ORT. */
  public static Path modelFailingBeyond(Path model, int graphPositions) {
    try {
      Path copy = Files.createTempDirectory("failing-model");
      for (String file : List.of("model.onnx", "tokenizer.json")) {
        Files.copy(model.resolve(file), copy.resolve(file));
      }
      Files.writeString(copy.resolve("config.json"), "{\"n_positions\": " + (graphPositions * 8) + "}");
      return copy;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
