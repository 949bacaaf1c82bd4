package io.equistream.client;

import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairCompletionChunk;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.stream.AnswerRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
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
 * after the timeout; {@link #askStreaming} also hands every FairCompletionChunk to a listener as
 * it arrives, and completes the future once the final answer and its last chunk are both in.
 * Reads the completions (and chunks) topic, or a private reply topic when one is given (the
 * service then copies each answer and chunk there: better when many clients share the service).
 */
public final class ChatbotClient implements AutoCloseable {
  private final String promptsTopic;
  private final String replyTopic;
  private final KafkaProducer<String, PromptRequest> producer;
  private final KafkaConsumer<String, SpecificRecord> consumer;
  private final Map<String, Waiting> waiting = new ConcurrentHashMap<>();
  private final Thread poller;
  private volatile boolean running = true;

  /** One request's answer in the making: the listener gets chunks; the future the final answer. */
  private static final class Waiting {
    final CompletableFuture<FairCompletion> answer = new CompletableFuture<>();
    final Consumer<FairCompletionChunk> chunks;
    FairCompletion completion;
    boolean lastChunk;

    Waiting(Consumer<FairCompletionChunk> chunks) {
      this.chunks = chunks;
      this.lastChunk = chunks == null;
    }
  }

  /**
   * @param replyTopic where answers are read: the service's completions topic, or a private topic
   *     that exists and is then named in each request
   * @param privateReplyTopic whether {@code replyTopic} is private (set as each request's reply_topic)
   */
  public ChatbotClient(Map<String, Object> clientProperties, String promptsTopic, String replyTopic,
      boolean privateReplyTopic) {
    this(clientProperties, promptsTopic, privateReplyTopic ? replyTopic : null, List.of(replyTopic));
  }

  /** Reads the service's completions topic and its chunks topic (for {@link #askStreaming}). */
  public static ChatbotClient onServiceTopics(Map<String, Object> clientProperties, String promptsTopic,
      String completionsTopic, String chunksTopic) {
    return new ChatbotClient(clientProperties, promptsTopic, null, List.of(completionsTopic, chunksTopic));
  }

  private ChatbotClient(Map<String, Object> clientProperties, String promptsTopic, String privateReplyTopic,
      List<String> readTopics) {
    this.promptsTopic = promptsTopic;
    this.replyTopic = privateReplyTopic;
    Map<String, Object> producerProps = new HashMap<>(clientProperties);
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    this.producer = new KafkaProducer<>(producerProps, new StringSerializer(),
        AvroSerde.of(PromptRequest.class).serializer());
    Map<String, Object> consumerProps = new HashMap<>(clientProperties);
    consumerProps.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), AnswerRecords.deserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : readTopics) {
      List<TopicPartition> own = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
          .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
      if (own.isEmpty()) {
        throw new IllegalStateException("topic '" + topic + "' does not exist");
      }
      partitions.addAll(own);
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
    return send(request, null, timeout);
  }

  /**
   * Asks for a streamed answer: {@code onChunk} gets each chunk in order (sequence 0, 1, ...) on the
   * client's poller thread; the future completes with the final FairCompletion after the last chunk.
   */
  public CompletableFuture<FairCompletion> askStreaming(PromptRequest request, Consumer<FairCompletionChunk> onChunk,
      Duration timeout) {
    request.setStream(true);
    return send(request, onChunk, timeout);
  }

  private CompletableFuture<FairCompletion> send(PromptRequest request, Consumer<FairCompletionChunk> onChunk,
      Duration timeout) {
    if (replyTopic != null) {
      request.setReplyTopic(replyTopic);
    }
    Waiting entry = new Waiting(onChunk);
    waiting.put(request.getRequestId(), entry);
    entry.answer.whenComplete((value, error) -> waiting.remove(request.getRequestId()));
    String key = request.getConversationId().isEmpty() ? request.getRequestId() : request.getConversationId();
    producer.send(new ProducerRecord<>(promptsTopic, key, request), (metadata, error) -> {
      if (error != null) {
        entry.answer.completeExceptionally(error);
      }
    });
    producer.flush();
    return entry.answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void poll() {
    while (running) {
      try {
        for (ConsumerRecord<String, SpecificRecord> record : consumer.poll(Duration.ofMillis(100))) {
          if (record.value() instanceof FairCompletionChunk chunk) {
            onChunk(chunk);
          } else if (record.value() instanceof FairCompletion completion) {
            onCompletion(completion);
          }
        }
      } catch (RecordDeserializationException e) {
        consumer.seek(e.topicPartition(), e.offset() + 1); // not ours to read: skip it
      } catch (WakeupException e) {
        return;
      }
    }
  }

  private void onChunk(FairCompletionChunk chunk) {
    Waiting entry = waiting.get(chunk.getRequestId());
    if (entry == null || entry.chunks == null) {
      return;
    }
    entry.chunks.accept(chunk);
    if (chunk.getFinishReason() != null) {
      entry.lastChunk = true;
      completeIfDone(entry);
    }
  }

  private void onCompletion(FairCompletion completion) {
    Waiting entry = waiting.get(completion.getRequestId());
    if (entry != null) {
      entry.completion = completion;
      completeIfDone(entry);
    }
  }

  /** Completions and chunks may come from two topics in either order: the answer needs both. */
  private static void completeIfDone(Waiting entry) {
    if (entry.completion != null && entry.lastChunk) {
      entry.answer.complete(entry.completion);
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
    waiting.values().forEach(w -> w.answer.completeExceptionally(new IllegalStateException("client closed")));
  }
}
