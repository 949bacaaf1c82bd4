package io.equistream.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.stream.EmbeddedKafka;
import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceConfig;
import io.equistream.stream.ServiceListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/**
 * 10,000 hostile records produced raw to the prompts topic of a running service (real in-JVM KRaft
 * broker, real model). Every record has an expected outcome by kind: dead-lettered (with the reason
 * in a header), answered REJECTED (reason named), or answered OK (the valid controls, each a full
 * 16-token generation). The test
 * counts DLQ + REJECTED + OK == 10,000, checks each record against its expectation, and checks that
 * Kafka Streams never left RUNNING (no thread died and was replaced).
 */
class HostileInputFaultIT {
  private static final int RECORDS = 10_000;
  private static final String SUFFIX = "hostile";
  private static final String ERROR_HEADER = "equistream.error";

  enum Outcome { DLQ, REJECTED, OK }

  /** One kind of record: how to make record i, what must happen to it, and a word its reason must contain. */
  record Kind(String name, Outcome outcome, String reason, IntFunction<byte[]> value) {
  }

  private static final AvroSerde<PromptRequest> PROMPTS = AvroSerde.of(PromptRequest.class);
  /** Another record type with look-alike fields, single-object encoded. */
  private static final Schema OTHER = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"ChatMessage\","
      + "\"fields\":[{\"name\":\"request_id\",\"type\":\"string\"},{\"name\":\"prompt\",\"type\":\"string\"}]}");

  private static PromptRequest.Builder valid(int i) {
    return PromptRequest.newBuilder().setRequestId("h-" + i).setConversationId("").setPrompt("The woman worked as a")
        .setGroups(List.of("gender")).setMaxNewTokens(FaultKit.NEW_TOKENS).setCreatedAt(Instant.now());
  }

  private static byte[] avro(PromptRequest.Builder builder) {
    return PROMPTS.serializer().serialize("", builder.build());
  }

  /** A valid request whose prompt bytes on the wire are replaced: invalid UTF-8 inside an Avro string. */
  private static byte[] rawPromptBytes(int i, byte[] replacement) {
    String marker = "Q".repeat(replacement.length);
    byte[] bytes = avro(valid(i).setPrompt(marker));
    byte[] needle = marker.getBytes(StandardCharsets.US_ASCII);
    for (int at = 0; at + needle.length <= bytes.length; at++) {
      if (Arrays.equals(bytes, at, at + needle.length, needle, 0, needle.length)) {
        System.arraycopy(replacement, 0, bytes, at, replacement.length);
        return bytes;
      }
    }
    throw new IllegalStateException("marker not found");
  }

  private static List<Kind> kinds() {
    Random random = new Random(7);
    List<Kind> k = new ArrayList<>();
    // --- not a PromptRequest at all: the deserialization handler dead-letters them
    k.add(new Kind("random bytes", Outcome.DLQ, "cannot deserialize", i -> {
      byte[] b = new byte[random.nextInt(300)];
      random.nextBytes(b);
      if (b.length > 1 && b[0] == (byte) 0xC3) {
        b[0] = 0; // keep it "random bytes", not a lucky single-object header
      }
      return b;
    }));
    k.add(new Kind("unknown fingerprint", Outcome.DLQ, "unknown writer schema fingerprint", i -> {
      byte[] b = avro(valid(i));
      for (int j = 2; j < 10; j++) {
        b[j] = (byte) random.nextInt();
      }
      return b;
    }));
    k.add(new Kind("avro of another record", Outcome.DLQ, "unknown writer schema fingerprint", i -> {
      GenericRecord other = new GenericData.Record(OTHER);
      other.put("request_id", "h-" + i);
      other.put("prompt", "The man worked as");
      try {
        return new BinaryMessageEncoder<GenericRecord>(GenericData.get(), OTHER).encode(other).array();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }));
    k.add(new Kind("truncated", Outcome.DLQ, "cannot deserialize", i -> {
      byte[] b = avro(valid(i));
      return Arrays.copyOf(b, 10 + random.nextInt(b.length - 12));
    }));
    k.add(new Kind("trailing garbage", Outcome.DLQ, "trailing bytes", i -> {
      byte[] b = avro(valid(i));
      byte[] out = Arrays.copyOf(b, b.length + 5);
      out[b.length] = 42;
      return out;
    }));
    k.add(new Kind("header only", Outcome.DLQ, "cannot deserialize", i -> Arrays.copyOf(avro(valid(i)), 10)));
    k.add(new Kind("null value", Outcome.DLQ, "null value", i -> null));
    k.add(new Kind("missing request id", Outcome.DLQ, "missing request_id", i -> avro(valid(i).setRequestId(""))));
    k.add(new Kind("blank request id", Outcome.DLQ, "missing request_id", i -> avro(valid(i).setRequestId(" \t"))));
    // Invalid UTF-8 in Avro strings (a CESU-8 lone surrogate, a stray continuation byte, an overlong NUL):
    // Avro would silently decode these to U+FFFD; the service dead-letters them instead.
    k.add(new Kind("lone surrogate bytes", Outcome.DLQ, "invalid UTF-8",
        i -> rawPromptBytes(i, new byte[] {'A', (byte) 0xED, (byte) 0xA0, (byte) 0x80, 'B'})));
    k.add(new Kind("stray continuation", Outcome.DLQ, "invalid UTF-8",
        i -> rawPromptBytes(i, new byte[] {'A', (byte) 0x80, 'B'})));
    k.add(new Kind("overlong NUL", Outcome.DLQ, "invalid UTF-8",
        i -> rawPromptBytes(i, new byte[] {'A', (byte) 0xC0, (byte) 0x80})));
    // Avro length bombs: a few bytes claiming a 2 GiB string, array or map (Avro would allocate it)
    k.add(new Kind("string length bomb", Outcome.DLQ, "length limit", i -> AvroBombs.string()));
    k.add(new Kind("array length bomb", Outcome.DLQ, "length limit", i -> AvroBombs.array()));
    k.add(new Kind("map length bomb", Outcome.DLQ, "length limit", i -> AvroBombs.map()));
    // request ids that could forge log lines, or are too long to log: nobody can safely be answered
    k.add(new Kind("newline in request id", Outcome.DLQ, "non-printable",
        i -> avro(valid(i).setRequestId("h-" + i + "\n2026-01-01 INFO forged line"))));
    k.add(new Kind("CR in request id", Outcome.DLQ, "non-printable", i -> avro(valid(i).setRequestId("h-" + i + "\rforged"))));
    k.add(new Kind("U+2028 in request id", Outcome.DLQ, "non-printable",
        i -> avro(valid(i).setRequestId("h-" + i + "\u2028forged"))));
    k.add(new Kind("ANSI escape in request id", Outcome.DLQ, "non-printable",
        i -> avro(valid(i).setRequestId("h-" + i + "\u001b[2Jforged"))));
    k.add(new Kind("over-long request id", Outcome.DLQ, "request_id has",
        i -> avro(valid(i).setRequestId("h-" + i + "-" + "x".repeat(300)))));
    // --- sizes checked before buffering: REJECTED with the limit named
    k.add(new Kind("too many metadata entries", Outcome.REJECTED, "metadata has", i -> avro(valid(i).setMetadata(
        java.util.stream.IntStream.range(0, 33).boxed().collect(java.util.stream.Collectors.toMap(n -> "k" + n, n -> "v"))))));
    k.add(new Kind("metadata too many bytes", Outcome.REJECTED, "metadata has",
        i -> avro(valid(i).setMetadata(Map.of("blob", "m".repeat(9000))))));
    k.add(new Kind("over-long stop", Outcome.REJECTED, "stop string has", i -> avro(valid(i).setStop("s".repeat(300)))));
    k.add(new Kind("over-long conversation id", Outcome.REJECTED, "conversation_id has",
        i -> avro(valid(i).setConversationId("c".repeat(300)))));
    k.add(new Kind("over-long method", Outcome.REJECTED, "method has", i -> avro(valid(i).setMethod("m".repeat(300)))));
    k.add(new Kind("too many groups", Outcome.REJECTED, "groups has",
        i -> avro(valid(i).setGroups(java.util.Collections.nCopies(33, "gender")))));
    // --- well-formed requests the service must refuse, naming why
    k.add(new Kind("empty prompt", Outcome.REJECTED, "empty prompt", i -> avro(valid(i).setPrompt(""))));
    k.add(new Kind("NaN temperature", Outcome.REJECTED, "temperature", i -> avro(valid(i).setTemperature(Double.NaN))));
    k.add(new Kind("negative temperature", Outcome.REJECTED, "temperature", i -> avro(valid(i).setTemperature(-1.0))));
    k.add(new Kind("infinite temperature", Outcome.REJECTED, "temperature",
        i -> avro(valid(i).setTemperature(Double.POSITIVE_INFINITY))));
    k.add(new Kind("huge temperature", Outcome.REJECTED, "temperature", i -> avro(valid(i).setTemperature(1e300))));
    k.add(new Kind("NaN top_p", Outcome.REJECTED, "top_p", i -> avro(valid(i).setTopP(Double.NaN))));
    k.add(new Kind("zero top_p", Outcome.REJECTED, "top_p", i -> avro(valid(i).setTopP(0.0))));
    k.add(new Kind("negative top_k", Outcome.REJECTED, "top_k", i -> avro(valid(i).setTopK(-5))));
    k.add(new Kind("negative max_new_tokens", Outcome.REJECTED, "max_new_tokens",
        i -> avro(valid(i).setMaxNewTokens(-3))));
    k.add(new Kind("zero max_new_tokens", Outcome.REJECTED, "max_new_tokens", i -> avro(valid(i).setMaxNewTokens(0))));
    k.add(new Kind("huge max_new_tokens", Outcome.REJECTED, "max_new_tokens",
        i -> avro(valid(i).setMaxNewTokens(Integer.MAX_VALUE))));
    k.add(new Kind("unknown group", Outcome.REJECTED, "unknown group", i -> avro(valid(i).setGroups(List.of("caste")))));
    k.add(new Kind("unknown method", Outcome.REJECTED, "method", i -> avro(valid(i).setMethod("telepathy"))));
    k.add(new Kind("unknown aggregate", Outcome.REJECTED, "aggregat", i -> avro(valid(i).setAggregate("median"))));
    k.add(new Kind("NUL in prompt", Outcome.REJECTED, "control character",
        i -> avro(valid(i).setPrompt("The man\u0000 worked as"))));
    k.add(new Kind("escape in prompt", Outcome.REJECTED, "control character",
        i -> avro(valid(i).setPrompt("The man \u001b[31m worked"))));
    k.add(new Kind("DEL/C1 in prompt", Outcome.REJECTED, "control character",
        i -> avro(valid(i).setPrompt("The man\u0085 worked"))));
    k.add(new Kind("over-long prompt (tokens)", Outcome.REJECTED, "tokens",
        i -> avro(valid(i).setPrompt("the man worked as a doctor ".repeat(200)))));
    k.add(new Kind("over-long prompt (chars)", Outcome.REJECTED, "characters",
        i -> avro(valid(i).setPrompt("x".repeat(30_000)))));
    k.add(new Kind("empty stop", Outcome.REJECTED, "stop", i -> avro(valid(i).setStop(""))));
    k.add(new Kind("illegal reply topic", Outcome.REJECTED, "reply_topic",
        i -> avro(valid(i).setReplyTopic("../../etc/passwd"))));
    // --- valid controls
    k.add(new Kind("valid", Outcome.OK, null, i -> avro(valid(i))));
    k.add(new Kind("valid, all options", Outcome.OK, null, i -> avro(valid(i).setTemperature(0.7).setTopK(50)
        .setTopP(0.9).setSeed(-i * 31L).setStop("\n").setMethod("equitune").setAggregate("logits")
        .setMetadata(Map.of("k", "v")))));
    k.add(new Kind("valid, unicode", Outcome.OK, null,
        i -> avro(valid(i).setPrompt("The woman \uD83D\uDE00 said \u00e9\u4e2d\u6587\u200b and worked as"))));
    k.add(new Kind("valid, real U+FFFD", Outcome.OK, null, i -> avro(valid(i).setPrompt("The man \uFFFD worked as"))));
    k.add(new Kind("valid, absent reply topic", Outcome.OK, null,
        i -> avro(valid(i).setReplyTopic("no-such-reply-topic"))));
    return k;
  }

  /** The 1 MB prompt: 1,000,000 characters, just under the broker's default message.max.bytes (1,048,588). */
  private static final Kind ONE_MEGABYTE = new Kind("1 MB prompt", Outcome.REJECTED, "characters",
      i -> avro(valid(i).setPrompt("a ".repeat(500_000))));
  private static final int MEGABYTE_RECORDS = 5;

  /**
   * Record i's kind: the kinds in turn, except that a valid control takes only every fourth of its
   * turns (each generates 16 tokens; a few hundred show the service keeps serving) and leaves the
   * others to the hostile kinds.
   */
  private static Kind kindOf(int i, List<Kind> kinds) {
    Kind kind = kinds.get(i % kinds.size());
    if (kind.outcome() != Outcome.OK || (i / kinds.size()) % 4 == 0) {
      return kind;
    }
    List<Kind> hostile = kinds.stream().filter(k -> k.outcome() != Outcome.OK).toList();
    return hostile.get((i / kinds.size() + i) % hostile.size());
  }

  @Test
  void tenThousandHostileRecordsAreEachDeadLetteredOrAnsweredAndNothingCrashes() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(1)) {
      String bootstrap = kafka.bootstrapServers();
      FaultKit.createTopics(bootstrap, SUFFIX, 4, (short) 1, Map.of());
      Map<String, String> settings = FaultKit.serviceSettings(bootstrap, "fault-hostile", SUFFIX);
      settings.put("state.dir", Files.createTempDirectory("hostile-state").toString());
      settings.put("equistream.engine.max.requests", "64");
      settings.put("equistream.limit.max.new.tokens", "16");
      List<KafkaStreams.State> transitions = new CopyOnWriteArrayList<>();
      ServiceConfig config = ServiceConfig.load(null, settings);
      try (FairStreamsService service = new FairStreamsService(config, ServiceListener.NONE)) {
        service.addStateListener((next, previous) -> transitions.add(next));
        service.start();
        service.awaitRunning(Duration.ofSeconds(60));
        transitions.clear();

        // Build and send: record i is of kind kindOf(i) (the 1 MB prompts at fixed positions).
        List<Kind> kinds = kinds();
        Map<String, Kind> expected = new LinkedHashMap<>();
        Map<String, Integer> perKind = new TreeMap<>();
        Map<String, Object> props = new HashMap<>(kafka.clientProperties());
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 2 * 1024 * 1024);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        long t0 = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
            new ByteArraySerializer())) {
          for (int i = 0; i < RECORDS; i++) {
            Kind kind = i % (RECORDS / MEGABYTE_RECORDS) == 17 ? ONE_MEGABYTE : kindOf(i, kinds);
            String key = "h-" + i;
            expected.put(key, kind);
            perKind.merge(kind.name(), 1, Integer::sum);
            producer.send(new ProducerRecord<>("prompts-" + SUFFIX, key, kind.value().apply(i)), (meta, error) -> {
              if (error != null) {
                throw new IllegalStateException("produce failed for " + key, error);
              }
            });
          }
          producer.flush();
        }
        long expectedDlq = expected.values().stream().filter(k -> k.outcome() == Outcome.DLQ).count();
        long expectedAnswers = RECORDS - expectedDlq;

        List<ConsumerRecord<String, FairCompletion>> completions = FaultKit.readAll(bootstrap, "completions-" + SUFFIX,
            AvroSerde.of(FairCompletion.class).deserializer(), (int) expectedAnswers, Duration.ofSeconds(180),
            Duration.ofSeconds(2));
        List<ConsumerRecord<String, byte[]>> dead = FaultKit.readAll(bootstrap, "dlq-" + SUFFIX,
            new ByteArrayDeserializer(), (int) expectedDlq, Duration.ofSeconds(60), Duration.ofSeconds(1));
        double seconds = (System.nanoTime() - t0) / 1e9;

        // Tally what happened to each record, by its key (request id).
        Map<String, List<String>> happened = new HashMap<>();
        Map<String, String> reasons = new HashMap<>();
        long ok = 0;
        long rejected = 0;
        long failed = 0;
        for (ConsumerRecord<String, FairCompletion> r : completions) {
          FairCompletion c = r.value();
          happened.computeIfAbsent(c.getRequestId(), x -> new ArrayList<>()).add(c.getStatus().name());
          reasons.put(c.getRequestId(), c.getReason());
          switch (c.getStatus()) {
            case OK -> ok++;
            case REJECTED -> rejected++;
            default -> failed++;
          }
        }
        for (ConsumerRecord<String, byte[]> r : dead) {
          happened.computeIfAbsent(r.key(), x -> new ArrayList<>()).add("DLQ");
          Header header = r.headers().lastHeader(ERROR_HEADER);
          assertNotNull(header, "DLQ record " + r.key() + " has no reason header");
          reasons.put(r.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        Map<String, String> wrong = new TreeMap<>();
        expected.forEach((key, kind) -> {
          List<String> got = happened.getOrDefault(key, List.of());
          String reason = reasons.get(key);
          boolean right = got.equals(List.of(kind.outcome().name()))
              && (kind.reason() == null || reason != null && reason.contains(kind.reason()));
          if (!right) {
            wrong.putIfAbsent(kind.name(), key + " -> " + got + " (" + reason + ")");
          }
        });
        System.out.printf("[fault] hostile: %d records (%d kinds) -> %d DLQ + %d REJECTED + %d OK + %d FAILED = %d,"
            + " in %.1f s; streams state %s%n", RECORDS, perKind.size(), dead.size(), rejected, ok, failed,
            dead.size() + rejected + ok + failed, seconds, service.streams().state());
        perKind.forEach((name, n) -> System.out.printf("[fault]   %-28s %5d -> %s%n", name, n,
            kinds.stream().filter(k -> k.name().equals(name)).findFirst().orElse(ONE_MEGABYTE).outcome()));
        assertEquals(Map.of(), wrong, "records whose outcome was not the expected one (first per kind)");
        assertEquals("", FaultKit.notFullAnswers(completions.stream()
            .filter(r -> r.value().getStatus() == io.equistream.schemas.CompletionStatus.OK).toList()),
            "the valid controls are full 16-token generations");
        assertEquals(RECORDS, dead.size() + rejected + ok, "DLQ + REJECTED + OK");
        assertEquals(0, failed);
        assertEquals(expectedDlq, dead.size());
        assertEquals(KafkaStreams.State.RUNNING, service.streams().state());
        assertFalse(transitions.contains(KafkaStreams.State.ERROR) || transitions.contains(KafkaStreams.State.PENDING_ERROR),
            "transitions " + transitions);
        assertTrue(transitions.stream().noneMatch(s -> s == KafkaStreams.State.REBALANCING),
            "a stream thread died and was replaced: " + transitions);
      }
    }
  }
}
