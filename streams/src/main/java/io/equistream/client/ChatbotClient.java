package io.equistream.client;

import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Request/reply over Kafka for chatbot backends: {@link #ask} produces a PromptRequest and returns a
 * future completed by the FairCompletion with the same request id (read_committed), or failed
 * after the timeout. Reads the completions topic, or a private reply topic when one is given (the
 * service then copies each answer there: better when many clients share the service).
 */
public final class ChatbotClient implements AutoCloseable {
  private final String promptsTopic;
  private final String replyTopic;
  private final KafkaProducer<String, PromptRequest> producer;
  private final KafkaConsumer<String, FairCompletion> consumer;
  private final Map<String, CompletableFuture<FairCompletion>> waiting = new ConcurrentHashMap<>();
  private final Thread poller;
  private volatile boolean running = true;

  /**
   * @param replyTopic where answers are read: the service's completions topic, or a private topic
   *     that exists and is then named in each request
   * @param privateReplyTopic whether {@code replyTopic} is private (set as each request's reply_topic)
   */
  public ChatbotClient(Map<String, Object> clientProperties, String promptsTopic, String replyTopic,
      boolean privateReplyTopic) {
    this.promptsTopic = promptsTopic;
    this.replyTopic = privateReplyTopic ? replyTopic : null;
    Map<String, Object> producerProps = new HashMap<>(clientProperties);
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    this.producer = new KafkaProducer<>(producerProps, new StringSerializer(),
        AvroSerde.of(PromptRequest.class).serializer());
    Map<String, Object> consumerProps = new HashMap<>(clientProperties);
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
        AvroSerde.of(FairCompletion.class).deserializer());
    List<TopicPartition> partitions = consumer.partitionsFor(replyTopic, Duration.ofSeconds(30)).stream()
        .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
    if (partitions.isEmpty()) {
      throw new IllegalStateException("reply topic '" + replyTopic + "' does not exist");
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    // Resolve the end offsets now, before any request is sent, so no answer can be missed.
    partitions.forEach(consumer::position);
    this.poller = new Thread(this::poll, "chatbot-client-poller");
    poller.setDaemon(true);
    poller.start();
  }

  public CompletableFuture<FairCompletion> ask(PromptRequest request, Duration timeout) {
    if (replyTopic != null) {
      request.setReplyTopic(replyTopic);
    }
    CompletableFuture<FairCompletion> answer = new CompletableFuture<>();
    waiting.put(request.getRequestId(), answer);
    answer.whenComplete((value, error) -> waiting.remove(request.getRequestId()));
    String key = request.getConversationId().isEmpty() ? request.getRequestId() : request.getConversationId();
    producer.send(new ProducerRecord<>(promptsTopic, key, request), (metadata, error) -> {
      if (error != null) {
        answer.completeExceptionally(error);
      }
    });
    producer.flush();
    return answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void poll() {
    while (running) {
      try {
        for (ConsumerRecord<String, FairCompletion> record : consumer.poll(Duration.ofMillis(100))) {
          CompletableFuture<FairCompletion> answer = waiting.get(record.value().getRequestId());
          if (answer != null) {
            answer.complete(record.value());
          }
        }
      } catch (RecordDeserializationException e) {
        consumer.seek(e.topicPartition(), e.offset() + 1); // not ours to read: skip it
      } catch (WakeupException e) {
        return;
      }
    }
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      poller.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    consumer.close();
    producer.close(Duration.ofSeconds(5));
    waiting.values().forEach(f -> f.completeExceptionally(new IllegalStateException("client closed")));
  }
}
