package io.equistream.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairCompletionChunk;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.stream.EmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The service as its own JVM under a generation far longer than a transaction may stay open: the
 * producer's transaction timeout is 10 s and generating the 16 requests takes over 30 s. Before the
 * engine, the batch ran inside process() with the transaction open, the broker aborted it, the
 * producer was fenced and the batch restored and rerun forever. Now every answer arrives once and
 * the log shows no fencing, migration or rebalance.
 */
class EngineUnderLoadIT {
  private static final Pattern TROUBLE = Pattern.compile(
      "Fenced|InvalidProducerEpoch|TaskMigrated|TransactionAborted|from RUNNING to REBALANCING|stream thread failed");

  @Test
  void aGenerationLongerThanThirtySecondsAnswersSixteenRequestsOnceWithoutFencing() throws Exception {
    final int prompts = 16;
    String suffix = "slow";
    Path dir = FaultKit.dir(suffix);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(1)) {
      String bootstrap = kafka.bootstrapServers();
      FaultKit.createTopics(bootstrap, suffix, 2, (short) 1, Map.of());
      Map<String, String> settings = FaultKit.serviceSettings(bootstrap, "engine-slow", suffix);
      settings.put("equistream.debug.step.delay.ms", "2000"); // 16 tokens: >= 32 s of generation
      settings.put("producer.transaction.timeout.ms", "10000");
      ServiceProcess service = ServiceProcess.start("instance-0", dir, "-Xmx512m", settings, List.of());
      try (CommittedTail<FairCompletion> completions = new CommittedTail<>(bootstrap, "completions-" + suffix,
          AvroSerde.of(FairCompletion.class).deserializer());
          CommittedTail<FairnessAudit> audits = new CommittedTail<>(bootstrap, "audit-" + suffix,
              AvroSerde.of(FairnessAudit.class).deserializer())) {
        long t0 = System.nanoTime();
        FaultKit.producePrompts(bootstrap, "prompts-" + suffix, "s-", 0, prompts);
        boolean complete = completions.awaitCount(prompts, Duration.ofSeconds(180));
        double seconds = (System.nanoTime() - t0) / 1e9;
        audits.awaitCount(prompts, Duration.ofSeconds(30));
        completions.awaitQuiet(Duration.ofSeconds(5));
        int exit = service.stop();
        String log = service.logText();
        System.out.printf("[fault] slow generation: %d requests answered in %.1f s (transaction timeout 10 s)%n",
            completions.count(), seconds);
        assertTrue(complete, "only " + completions.count() + " answered: " + FaultKit.tail(service.log, 40));
        assertTrue(seconds > 30, "the generation was not long: " + seconds + " s");
        Set<String> expected = new HashSet<>();
        IntStream.range(0, prompts).forEach(i -> expected.add("s-" + i));
        assertEquals("", FaultKit.exactlyOnceReport(completions.records(), audits.records(), expected));
        for (ConsumerRecord<String, FairCompletion> record : completions.records()) {
          FairCompletion completion = record.value();
          assertEquals(CompletionStatus.OK, completion.getStatus(), completion.getReason());
          assertTrue(completion.getCompletionTokens() == FaultKit.NEW_TOKENS || "eos".equals(completion.getFinishReason()),
              completion.getCompletionTokens() + " tokens, " + completion.getFinishReason());
        }
        assertFalse(TROUBLE.matcher(log).find(), "fencing or rebalancing in the log:\n" + FaultKit.tail(service.log, 60));
        assertTrue(ServiceProcess.cleanExit(exit), "unclean stop: " + exit);
      } finally {
        if (service.process.isAlive()) {
          service.kill();
        }
      }
    }
  }

  /**
   * Streamed answers across a SIGKILL: an instance dies while requests are mid-stream; its tasks
   * move to the survivor and a replacement, which re-run those requests. A read_committed reader
   * sees, per request, one chunk sequence 0..n without gaps or repeats whose texts add up to the one
   * final completion.
   */
  @Test
  void aKilledInstanceMidStreamLeavesOneConsistentChunkSequencePerRequest() throws Exception {
    final int prompts = 40;
    String suffix = "streamkill";
    Path dir = FaultKit.dir(suffix);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(1)) {
      String bootstrap = kafka.bootstrapServers();
      FaultKit.createTopics(bootstrap, suffix, 4, (short) 1, Map.of());
      Map<String, String> settings = FaultKit.serviceSettings(bootstrap, "engine-streamkill", suffix);
      settings.put("equistream.debug.step.delay.ms", "150"); // 16 tokens: ~2.5 s per request
      settings.put("session.timeout.ms", "6000");
      settings.put("heartbeat.interval.ms", "1000");
      settings.put("equistream.http.port", "0");
      List<ServiceProcess> all = new java.util.ArrayList<>();
      all.add(ServiceProcess.start("instance-0", dir, "-Xmx512m", settings, List.of()));
      all.add(ServiceProcess.start("instance-1", dir, "-Xmx512m", settings, List.of()));
      int[] ports = new int[2];
      for (int i = 0; i < 2; i++) {
        ports[i] = all.get(i).httpPort(Duration.ofSeconds(60));
        ServiceProcess.awaitReady(ports[i], Duration.ofSeconds(90));
      }
      try (CommittedTail<FairCompletion> completions = new CommittedTail<>(bootstrap, "completions-" + suffix,
          AvroSerde.of(FairCompletion.class).deserializer());
          CommittedTail<FairCompletionChunk> chunks = new CommittedTail<>(bootstrap, "chunks-" + suffix,
              AvroSerde.of(FairCompletionChunk.class).deserializer())) {
        FaultKit.producePrompts(bootstrap, "prompts-" + suffix, "st-", 0, prompts, true);
        assertTrue(chunks.awaitCount(60, Duration.ofSeconds(120)), "no chunks: " + FaultKit.tail(all.get(0).log, 30));
        // The victim is whichever instance generates more right now: the assignment decides, not the start order.
        int victim = Metrics.awaitGenerating(Duration.ofSeconds(30), ports);
        all.get(victim).kill(); // mid-stream: chunks of running requests are committed, their answers are not
        long killedAt = System.currentTimeMillis();
        all.add(ServiceProcess.start("instance-2", dir, "-Xmx512m", settings, List.of()));
        boolean complete = completions.awaitCount(prompts, Duration.ofSeconds(180));
        completions.awaitQuiet(Duration.ofSeconds(3));
        chunks.awaitQuiet(Duration.ofSeconds(2));
        assertTrue(complete, "only " + completions.count() + " answered: " + FaultKit.tail(all.get(1).log, 40));
        Map<String, FairCompletion> answers = new java.util.HashMap<>();
        for (ConsumerRecord<String, FairCompletion> record : completions.records()) {
          assertEquals(null, answers.put(record.value().getRequestId(), record.value()), "duplicate completion");
        }
        assertEquals(prompts, answers.size());
        Map<String, List<FairCompletionChunk>> byRequest = new java.util.HashMap<>();
        chunks.records().forEach(r -> byRequest.computeIfAbsent(r.value().getRequestId(), k -> new java.util.ArrayList<>())
            .add(r.value()));
        int spanning = 0;
        for (FairCompletion answer : answers.values()) {
          assertEquals(CompletionStatus.OK, answer.getStatus(), answer.getReason());
          List<FairCompletionChunk> sequence = byRequest.get(answer.getRequestId());
          StringBuilder text = new StringBuilder();
          for (int i = 0; i < sequence.size(); i++) {
            assertEquals(i, sequence.get(i).getSequence(), answer.getRequestId() + ": gap or repeat in " + sequence);
            text.append(sequence.get(i).getText());
          }
          assertEquals(answer.getCompletion(), text.toString(), answer.getRequestId() + ": chunks vs completion");
          assertTrue(sequence.get(sequence.size() - 1).getFinishReason() != null, answer.getRequestId());
          if (sequence.get(0).getCreatedAt().toEpochMilli() < killedAt
              && sequence.get(sequence.size() - 1).getCreatedAt().toEpochMilli() > killedAt) {
            spanning++;
          }
        }
        long resubmitted = all.stream().filter(p -> p.logText().contains("buffered requests after restore")).count();
        System.out.printf("[fault] stream kill: %d requests, %d streamed across the kill of %s; restores logged by %d"
            + " instances%n", prompts, spanning, all.get(victim).name, resubmitted);
        assertTrue(spanning > 0, "no request was streaming when the instance died");
        assertTrue(resubmitted > 0, "no instance logged resubmitted requests");
      } finally {
        for (ServiceProcess p : all) {
          if (p.process.isAlive()) {
            p.kill();
          }
        }
      }
    }
  }
}
