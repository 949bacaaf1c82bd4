package io.equistream.stream;

import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/** A real KRaft cluster inside this JVM (demo and tests): combined broker+controller nodes. */
public final class EmbeddedKafka implements AutoCloseable {
  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  public static EmbeddedKafka start(int brokers) {
    try {
      KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(
          new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(brokers).setNumControllerNodes(1).build())
          .setConfigProp("offsets.topic.replication.factor", String.valueOf(Math.min(3, brokers)))
          .setConfigProp("transaction.state.log.replication.factor", String.valueOf(Math.min(3, brokers)))
          .setConfigProp("transaction.state.log.min.isr", String.valueOf(Math.min(2, brokers)))
          .setConfigProp("group.initial.rebalance.delay.ms", "0")
          .setConfigProp("auto.create.topics.enable", "false")
          .build();
      cluster.format();
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new EmbeddedKafka(cluster);
    } catch (Exception e) {
      throw new IllegalStateException("cannot start the in-JVM Kafka cluster: " + e.getMessage(), e);
    }
  }

  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  public KafkaClusterTestKit cluster() {
    return cluster;
  }

  public Map<String, Object> clientProperties() {
    return Map.of("bootstrap.servers", bootstrapServers());
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the in-JVM Kafka cluster", e);
    }
  }
}
