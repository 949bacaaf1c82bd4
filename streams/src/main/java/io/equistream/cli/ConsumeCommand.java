package io.equistream.cli;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroJson;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.stream.ServiceConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints a topic's Avro records as JSON lines (read_committed, from the beginning, no consumer group). */
@Command(name = "consume", mixinStandardHelpOptions = true, description = "Print a topic's records as JSON lines.")
final class ConsumeCommand implements Callable<Integer> {
  enum Kind { prompt, completion, audit, summary }

  @Mixin
  ServiceOptions options;

  @Option(names = "--topic", required = true)
  String topic;

  @Option(names = "--type", required = true, description = "prompt, completion, audit or summary.")
  Kind type;

  @Option(names = "--max", defaultValue = "2147483647", description = "Stop after this many records.")
  int max;

  @Option(names = "--idle-ms", defaultValue = "5000", description = "Stop after this long without new records.")
  long idleMs;

  @Override
  public Integer call() {
    ServiceConfig config = options.load();
    Class<? extends SpecificRecord> recordClass = switch (type) {
      case prompt -> PromptRequest.class;
      case completion -> FairCompletion.class;
      case audit -> FairnessAudit.class;
      case summary -> AuditSummary.class;
    };
    return consume(config, recordClass);
  }

  private <T extends SpecificRecord> int consume(ServiceConfig config, Class<T> recordClass) {
    Map<String, Object> props = new HashMap<>(config.clientProperties());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    int printed = 0;
    int skipped = 0;
    try (KafkaConsumer<String, T> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
        AvroSerde.of(recordClass).deserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long lastRecord = System.currentTimeMillis();
      while (printed < max && System.currentTimeMillis() - lastRecord < idleMs) {
        try {
          for (ConsumerRecord<String, T> record : consumer.poll(Duration.ofMillis(200))) {
            System.out.println(AvroJson.toJson(record.value()));
            lastRecord = System.currentTimeMillis();
            if (++printed >= max) {
              break;
            }
          }
        } catch (RecordDeserializationException e) {
          skipped++;
          consumer.seek(e.topicPartition(), e.offset() + 1);
        }
      }
    }
    System.err.println("printed " + printed + " records" + (skipped > 0 ? ", skipped " + skipped + " unreadable" : ""));
    return 0;
  }
}
