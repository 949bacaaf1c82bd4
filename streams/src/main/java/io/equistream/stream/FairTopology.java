package io.equistream.stream;

import io.equistream.schemas.AuditSummary;
import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.PromptRequest;
import io.equistream.schemas.serde.AvroSerde;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.state.Stores;

/** The whole service, top to bottom. */
public final class FairTopology {
  private FairTopology() {
  }

  public static Topology build(Topics topics, ProcessorSupplier<String, PromptRequest, String, Object> fairBatches,
      Duration summaryWindow) {
    Serde<String> keys = Serdes.String();
    AvroSerde<FairCompletion> completionSerde = AvroSerde.of(FairCompletion.class);
    AvroSerde<FairnessAudit> auditSerde = AvroSerde.of(FairnessAudit.class);
    StreamsBuilder builder = new StreamsBuilder();

    // 1. prompts -> validate, buffer (changelogged) and answer in batches through the fair decoder.
    //    Undeserializable records never get here: the deserialization handler sends them to the DLQ.
    builder.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(FairBatchProcessor.BUFFER_STORE), Serdes.Long(), PendingPromptSerde.create()));
    KStream<String, Object> answers = builder
        .stream(topics.prompts(), Consumed.with(keys, StrictUtf8PromptSerde.create()))
        .process(fairBatches, FairBatchProcessor.BUFFER_STORE);

    // 2. Every request's completion (OK, REJECTED or FAILED) -> completions, and the reply topic it named.
    answers.filter((key, value) -> value instanceof FairCompletion)
        .mapValues(value -> (FairCompletion) value)
        .to(topics.completions(), Produced.with(keys, completionSerde));
    answers.filter((key, value) -> value instanceof ReplyCopy)
        .mapValues(value -> ((ReplyCopy) value))
        .to((key, reply, context) -> reply.topic(),
            Produced.with(keys, Serdes.serdeFrom(
                (topic, reply) -> completionSerde.serializer().serialize(topic, reply.completion()),
                (topic, bytes) -> { throw new UnsupportedOperationException("write-only"); })));

    // 3. Records nobody can be answered for (no request id) -> the dead-letter topic, reason in a header.
    answers.filter((key, value) -> value instanceof DeadLetter)
        .mapValues(value -> ((DeadLetter) value).value())
        .to(topics.deadLetters(), Produced.with(keys, Serdes.ByteArray()));

    // 4. One audit per request -> fairness-audit.
    KStream<String, FairnessAudit> audits = answers
        .filter((key, value) -> value instanceof FairnessAudit)
        .mapValues(value -> (FairnessAudit) value);
    audits.to(topics.audit(), Produced.with(keys, auditSerde));

    // 5. Windowed summary per method+groups of the served requests -> fairness-audit-summary.
    audits.filter((key, audit) -> audit.getStatus() == CompletionStatus.OK)
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
        .to(topics.auditSummary(), Produced.with(keys, AvroSerde.of(AuditSummary.class)));

    return builder.build();
  }
}
