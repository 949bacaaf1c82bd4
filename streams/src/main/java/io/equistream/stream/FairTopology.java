package io.equistream.stream;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairCompletionChunk;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.Stores;

/**
 * The whole service, top to bottom.
 *
 * <p>Reads {@code prompts} (PromptRequest). Writes {@code completions} (FairCompletion, one per
 * request: OK, REJECTED or FAILED), {@code completion-chunks} (FairCompletionChunk, the answer as it
 * is written, for requests that ask to stream), the request's {@code reply_topic} (a copy of its
 * completion and chunks), {@code fairness-audit} (FairnessAudit, one per request),
 * {@code prompts-dlq} (records nobody can be answered for, the reason in a header) and
 * {@code fairness-audit-summary} (AuditSummary per method+groups and window, from the audit topic).
 * The stores' changelogs are {@code <application.id>-pending-prompts-changelog} and
 * {@code <application.id>-streamed-chunks-changelog}.
 */
public final class FairTopology {
  /** Names of the answer processor's children: it forwards each kind of record to its own sink. */
  static final String COMPLETIONS = "completions-sink";
  static final String CHUNKS = "chunks-sink";
  static final String REPLIES = "reply-copies-sink";
  static final String AUDITS = "audits-sink";
  static final String DEAD_LETTERS = "dead-letters-sink";
  private static final String PROMPTS = "prompts-source";
  private static final String ANSWERS = "fair-answers";

  private FairTopology() {
  }

  /**
   * @param maxOutputBytes every output serializer refuses a larger record (the production exception
   *     handler then writes a small FAILED answer in its place: see OutputSizeGuard)
   * @param maxDeadLetterBytes dead-letter payloads are cut to this
   */
  public static Topology build(Topics topics, ProcessorSupplier<String, PromptRequest, String, SpecificRecord> answers,
      Duration summaryWindow, int maxOutputBytes, int maxDeadLetterBytes) {
    Serde<String> keys = Serdes.String();
    Serde<FairnessAudit> auditSerde = OutputSizeGuard.capped(AvroSerde.of(FairnessAudit.class), maxOutputBytes);
    Serializer<FairCompletion> completions =
        OutputSizeGuard.capped(AvroSerde.of(FairCompletion.class).serializer(), maxOutputBytes);

    // 1. fairness-audit -> windowed summary per method+groups of the served requests -> fairness-audit-summary.
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(topics.audit(), Consumed.with(keys, auditSerde))
        .filter((key, audit) -> audit.getStatus() == CompletionStatus.OK)
        .groupBy((key, audit) -> audit.getMethod() + "|" + String.join(",", audit.getGroups()),
            Grouped.with("audit-by-method", keys, auditSerde))
        .windowedBy(TimeWindows.ofSizeWithNoGrace(summaryWindow))
        .aggregate(AuditWindow::new, (key, audit, window) -> window.add(audit),
            Materialized.with(keys, JsonSerde.of(AuditWindow.class)))
        .toStream()
        .map((windowed, window) -> {
          String[] methodAndGroups = windowed.key().split("\\|", 2);
          AuditSummary summary = window.toSummary(methodAndGroups[0], methodAndGroups[1],
              windowed.window().start(), windowed.window().end());
          return KeyValue.pair(windowed.key(), summary);
        })
        .to(topics.auditSummary(), Produced.with(keys,
            OutputSizeGuard.capped(AvroSerde.of(AuditSummary.class), maxOutputBytes)));
    Topology topology = builder.build();

    // 2. prompts -> validate, buffer (changelogged), hand to the engine; its answers come back here.
    //    Undeserializable records never get here: the deserialization handler sends them to the DLQ.
    topology.addSource(PROMPTS, keys.deserializer(), StrictUtf8PromptSerde.create().deserializer(), topics.prompts());
    topology.addProcessor(ANSWERS, answers, PROMPTS);
    topology.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(FairAnswerProcessor.BUFFER_STORE), Serdes.Long(), PendingPromptSerde.create()),
        ANSWERS);
    topology.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(FairAnswerProcessor.STREAM_STORE), Serdes.Long(), StreamProgressSerde.create()),
        ANSWERS);

    // 3. Each request's completion (OK, REJECTED or FAILED) -> completions; a streamed one's chunks ->
    //    completion-chunks; copies of both to the reply topic the request named.
    topology.addSink(COMPLETIONS, topics.completions(), keys.serializer(), completions, ANSWERS);
    topology.addSink(CHUNKS, topics.chunks(), keys.serializer(),
        OutputSizeGuard.capped(AvroSerde.of(FairCompletionChunk.class).serializer(), maxOutputBytes), ANSWERS);
    topology.addSink(REPLIES, replyTopic(), keys.serializer(),
        OutputSizeGuard.capped(AnswerRecords.serializer(), maxOutputBytes), ANSWERS);

    // 4. One audit per request -> fairness-audit (and from there into the summary above).
    topology.addSink(AUDITS, topics.audit(), keys.serializer(), auditSerde.serializer(), ANSWERS);

    // 5. Records nobody can be answered for (no value, no request id) -> the dead-letter topic, reason in a header.
    Serializer<PromptRequest> requests = AvroSerde.of(PromptRequest.class).serializer();
    Serializer<PromptRequest> deadLetters = (topic, request) ->
        DeadLetters.payload(requests.serialize(topic, request), maxDeadLetterBytes);
    topology.addSink(DEAD_LETTERS, topics.deadLetters(), keys.serializer(), deadLetters, ANSWERS);
    return topology;
  }

  /** The reply topic travels with the record, in a header the processor sets. */
  private static TopicNameExtractor<String, SpecificRecord> replyTopic() {
    return (key, record, context) -> {
      Header header = context.headers().lastHeader(FairAnswerProcessor.REPLY_TOPIC_HEADER);
      return new String(header.value(), StandardCharsets.UTF_8);
    };
  }
}
