package io.equistream.fault;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;

/** Follows a topic with read_committed from the beginning, in the background, keeping every record. */
final class CommittedTail<V> implements AutoCloseable {
  private final KafkaConsumer<String, V> consumer;
  private final List<ConsumerRecord<String, V>> records = new ArrayList<>();
  private final AtomicInteger count = new AtomicInteger();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long lastArrivalNanos = System.nanoTime();

  CommittedTail(String bootstrap, String topic, Deserializer<V> values) {
    this.consumer = FaultKit.committedReader(bootstrap, topic, values);
    this.thread = new Thread(this::run, "tail-" + topic);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
          synchronized (records) {
            records.add(record);
          }
          count.incrementAndGet();
          lastArrivalNanos = System.nanoTime();
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close();
    }
  }

  int count() {
    return count.get();
  }

  /** Waits until at least n records were read (false on timeout). */
  boolean awaitCount(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (count.get() < n) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  /** Waits until nothing new arrived for {@code quiet} (so a late duplicate would have been seen). */
  void awaitQuiet(Duration quiet) throws InterruptedException {
    while (System.nanoTime() - lastArrivalNanos < quiet.toNanos()) {
      Thread.sleep(100);
    }
  }

  List<ConsumerRecord<String, V>> records() {
    synchronized (records) {
      return new ArrayList<>(records);
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
