package io.equistream.cli;

import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroJson;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.stream.ServiceConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** JSON lines (PromptRequest, missing fields at their defaults) -> Avro records on the prompts topic. */
@Command(name = "produce", mixinStandardHelpOptions = true, description = "Produce PromptRequest JSON lines (stdin or --file) to the prompts topic.")
final class ProduceCommand implements Callable<Integer> {
  @Mixin
  ServiceOptions options;

  @Option(names = "--file", description = "JSON-lines file (default: stdin).")
  Path file;

  @Option(names = "--topic", description = "Topic (default: the prompts topic).")
  String topic;

  @Override
  public Integer call() throws Exception {
    ServiceConfig config = options.load();
    String target = topic != null ? topic : config.topics().prompts();
    Map<String, Object> props = new HashMap<>(config.clientProperties());
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    int sent = 0;
    try (BufferedReader in = file != null ? Files.newBufferedReader(file)
            : new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        KafkaProducer<String, PromptRequest> producer = new KafkaProducer<>(props, new StringSerializer(),
            AvroSerde.of(PromptRequest.class).serializer())) {
      int lineNumber = 0;
      for (String line; (line = in.readLine()) != null; ) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        PromptRequest request;
        try {
          request = AvroJson.fromJson(line, PromptRequest.class);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("line " + lineNumber + ": " + e.getMessage(), e);
        }
        String key = request.getConversationId().isEmpty() ? request.getRequestId() : request.getConversationId();
        producer.send(new ProducerRecord<>(target, key, request)).get();
        sent++;
      }
    }
    System.err.println("produced " + sent + " records to " + target);
    return 0;
  }
}
