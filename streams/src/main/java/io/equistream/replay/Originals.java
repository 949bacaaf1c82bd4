package io.equistream.replay;

import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.serde.AvroJson;
import io.equistream.schemas.serde.AvroSerde;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The original run to compare with (and to take seeds from): FairCompletion and FairnessAudit
 * records by request id, from a file ({@code .jsonl} of AvroJson lines, completions and audits
 * may be mixed as in a replay output, other lines skipped; or an {@code .avro} container) or, when
 * no such file exists and a bootstrap is given, from a topic read up to its end offsets without a
 * consumer group. The last record of a request id wins.
 */
final class Originals {
  final Map<String, FairCompletion> completions = new HashMap<>();
  final Map<String, FairnessAudit> audits = new HashMap<>();

  void load(String source, Map<String, Object> clientProperties, PrintStream progress) {
    Path file = Path.of(source);
    if (Files.isRegularFile(file)) {
      loadFile(file);
      progress.println("compare: " + source + ": " + completions.size() + " completions, " + audits.size() + " audits");
    } else if (clientProperties.get("bootstrap.servers") != null) {
      loadTopic(source, clientProperties);
      progress.println("compare: topic " + source + ": " + completions.size() + " completions, " + audits.size()
          + " audits");
    } else {
      throw new IllegalArgumentException("--compare/--compare-audits " + source
          + ": no such file, and no --bootstrap to read it as a topic");
    }
  }

  Map<String, Long> seeds() {
    Map<String, Long> out = new HashMap<>();
    completions.forEach((id, c) -> {
      if (c.getSeed() != null) {
        out.put(id, c.getSeed());
      }
    });
    return out;
  }

  private void loadFile(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    try {
      if (name.endsWith(".avro")) {
        // Specific reader without an expected schema: the generated class named by the file's schema.
        try (DataFileReader<Object> reader = new DataFileReader<>(file.toFile(), new SpecificDatumReader<>())) {
          for (Object record : reader) {
            add(record);
          }
        }
        return;
      }
      try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        for (String line; (line = lines.readLine()) != null; ) {
          if (line.isBlank()) {
            continue;
          }
          try {
            add(AvroJson.fromJson(line, FairCompletion.class));
          } catch (IllegalArgumentException notCompletion) {
            try {
              add(AvroJson.fromJson(line, FairnessAudit.class));
            } catch (IllegalArgumentException notAudit) {
              // neither: skipped (e.g. an audit summary)
            }
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private void add(Object record) {
    if (record instanceof FairCompletion c) {
      completions.put(c.getRequestId(), c);
    } else if (record instanceof FairnessAudit a) {
      audits.put(a.getRequestId(), a);
    }
  }

  private void loadTopic(String topic, Map<String, Object> clientProperties) {
    var completionValues = AvroSerde.of(FairCompletion.class).deserializer();
    var auditValues = AvroSerde.of(FairnessAudit.class).deserializer();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(TopicSource.consumerProperties(clientProperties))) {
      var infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
      if (infos == null || infos.isEmpty()) {
        throw new IllegalArgumentException("topic '" + topic + "' does not exist");
      }
      List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      long lastProgress = System.nanoTime();
      while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        var polled = consumer.poll(Duration.ofMillis(500));
        if (!polled.isEmpty()) {
          lastProgress = System.nanoTime();
        } else if (System.nanoTime() - lastProgress > TopicSource.STALL_TIMEOUT.toNanos()) {
          throw new IllegalStateException("no progress reading topic " + topic);
        }
        for (ConsumerRecord<byte[], byte[]> record : polled) {
          if (record.value() == null) {
            continue;
          }
          try {
            add(completionValues.deserialize(topic, record.value()));
          } catch (RuntimeException notCompletion) {
            try {
              add(auditValues.deserialize(topic, record.value()));
            } catch (RuntimeException notAudit) {
              // skipped
            }
          }
        }
      }
    }
  }
}
