package io.equistream.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.equistream.schemas.CompletionStatus;
import io.equistream.schemas.FairCompletion;
import io.equistream.schemas.FairnessAudit;
import io.equistream.schemas.serde.AvroSerde;
import io.equistream.stream.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Faults against a real 3-broker in-JVM KRaft cluster, with the service as separate JVMs
 * ({@code java -jar streams/target/equistream.jar run}): instances killed with SIGKILL mid-batch,
 * a broker restarted mid-stream, and a 2,000-prompt backlog at -Xmx1g. Every check counts
 * records (read_committed), not just ids: exactly one completion and one audit per request.
 * Logs: streams/target/fault/&lt;test&gt;/*.log.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StreamsClusterFaultIT {
  private static EmbeddedKafka kafka;
  private static String bootstrap;

  @BeforeAll
  static void startCluster() throws Exception {
    long t0 = System.nanoTime();
    kafka = EmbeddedKafka.start(3);
    bootstrap = kafka.bootstrapServers();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      Collection<org.apache.kafka.common.Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
      assertEquals(3, nodes.size(), "brokers: " + nodes);
      String broker = String.valueOf(nodes.iterator().next().id());
      ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, broker);
      Config config = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
      assertEquals("2", config.get("transaction.state.log.min.isr").value());
      assertEquals("3", config.get("transaction.state.log.replication.factor").value());
    }
    System.out.printf("[fault] 3-broker KRaft cluster up in %.1f s (%s), transaction.state.log.min.isr=2%n",
        (System.nanoTime() - t0) / 1e9, bootstrap);
  }

  @AfterAll
  static void stopCluster() {
    if (kafka != null) {
      kafka.close();
    }
  }

  /** Settings of a replicated deployment: RF 3 internal topics, fast failure detection. */
  private static Map<String, String> settings(String app, String suffix) {
    Map<String, String> s = FaultKit.serviceSettings(bootstrap, app, suffix);
    s.put("replication.factor", "3");
    s.put("session.timeout.ms", "6000");
    s.put("heartbeat.interval.ms", "1000");
    return s;
  }

  private static final Map<String, String> REPLICATED = Map.of("min.insync.replicas", "2");

  @Test
  @Order(1)
  void killedInstancesLoseAndDuplicateNothing() throws Exception {
    final int prompts = 1000;
    final int kills = 4;
    String suffix = "kill";
    Path dir = FaultKit.dir(suffix);
    FaultKit.createTopics(bootstrap, suffix, 4, (short) 3, REPLICATED);
    Map<String, String> settings = settings("fault-kill", suffix);
    // 16 tokens at >= 60 ms per engine iteration: every request generates for about a second, so
    // each kill lands while many requests are mid-generation.
    settings.put("equistream.debug.step.delay.ms", "60");
    List<ServiceProcess> live = new ArrayList<>();
    List<ServiceProcess> all = new ArrayList<>();
    int started = 0;
    try (CommittedTail<FairCompletion> completions = new CommittedTail<>(bootstrap, "completions-" + suffix,
        AvroSerde.of(FairCompletion.class).deserializer());
        CommittedTail<FairnessAudit> audits = new CommittedTail<>(bootstrap, "audit-" + suffix,
            AvroSerde.of(FairnessAudit.class).deserializer())) {
      for (; started < 2; started++) {
        ServiceProcess p = ServiceProcess.start("instance-" + started, dir, "-Xmx512m", settings, List.of());
        live.add(p);
        all.add(p);
      }
      long t0 = System.nanoTime();
      // Prompts arrive over ~25 s, so the kills fall in the middle of the work, not after it.
      Thread producer = new Thread(() -> {
        try {
          for (int from = 0; from < prompts; from += 40) {
            FaultKit.producePrompts(bootstrap, "prompts-" + suffix, "k-", from, Math.min(prompts, from + 40));
            Thread.sleep(1000);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "kill-test-producer");
      producer.start();
      int done = 0;
      List<String> killLog = new ArrayList<>();
      for (int k = 0; k < kills; k++) {
        // Let the current instances make progress (>= 60 more committed answers), then kill one.
        int target = Math.min(prompts - 100, completions.count() + 60 + (k == 0 ? 40 : 0));
        assertTrue(completions.awaitCount(target, Duration.ofSeconds(120)),
            "no progress before kill " + (k + 1) + ": " + completions.count() + " committed; "
                + FaultKit.tail(live.get(0).log, 30));
        ServiceProcess victim = live.remove(k % live.size());
        victim.kill();
        done++;
        killLog.add(String.format("kill %d: %s at %d committed, t=%.1fs", done, victim.name, completions.count(),
            (System.nanoTime() - t0) / 1e9));
        ServiceProcess replacement = ServiceProcess.start("instance-" + started++, dir, "-Xmx512m", settings, List.of());
        live.add(replacement);
        all.add(replacement);
      }
      producer.join();
      boolean complete = completions.awaitCount(prompts, Duration.ofSeconds(180));
      double wall = (System.nanoTime() - t0) / 1e9;
      audits.awaitCount(prompts, Duration.ofSeconds(30));
      List<String> exits = new ArrayList<>();
      for (ServiceProcess p : live) {
        exits.add(p.name + "=" + p.stop());
      }
      completions.awaitQuiet(Duration.ofSeconds(3));
      audits.awaitQuiet(Duration.ofSeconds(1));
      killLog.forEach(line -> System.out.println("[fault] " + line));
      System.out.printf("[fault] kill test: %d prompts, 2 instances, %d SIGKILLs (%d JVMs in all), wall %.1f s,"
          + " %.1f completions/s; SIGTERM exits %s%n", prompts, done, all.size(), wall, prompts / wall, exits);
      assertTrue(complete, "only " + completions.count() + " of " + prompts + " committed");
      List<ConsumerRecord<String, FairCompletion>> got = completions.records();
      String problems = FaultKit.exactlyOnceReport(got, audits.records(), FaultKit.ids("k-", prompts));
      assertEquals("", problems);
      got.forEach(r -> assertEquals(CompletionStatus.OK, r.value().getStatus(), r.value().getReason()));
      long full = got.stream().filter(r -> r.value().getCompletionTokens() == FaultKit.NEW_TOKENS).count();
      assertTrue(full >= prompts * 9 / 10, "only " + full + " of " + prompts + " answers have 16 tokens");
      long resubmitted = all.stream().mapToLong(p -> resubmittedAfterRestore(p.logText())).sum();
      System.out.printf("[fault] kill test: %d buffered requests resubmitted after restores%n", resubmitted);
      assertTrue(resubmitted > 0, "no instance logged buffered requests resubmitted after a restore");
      assertEquals(kills, done);
      for (ServiceProcess p : live) {
        assertTrue(ServiceProcess.cleanExit(p.process.exitValue()), p.name + " did not stop cleanly: " + exits);
      }
    } finally {
      for (ServiceProcess p : live) {
        p.kill();
      }
    }
  }

  @Test
  @Order(2)
  void aBrokerRestartMidStreamLosesAndDuplicatesNothing() throws Exception {
    final int prompts = 400;
    String suffix = "broker";
    Path dir = FaultKit.dir(suffix);
    FaultKit.createTopics(bootstrap, suffix, 4, (short) 3, REPLICATED);
    Map<String, String> settings = settings("fault-broker", suffix);
    settings.put("equistream.debug.step.delay.ms", "20");
    ServiceProcess service = ServiceProcess.start("instance-0", dir, "-Xmx512m", settings, List.of());
    try (CommittedTail<FairCompletion> completions = new CommittedTail<>(bootstrap, "completions-" + suffix,
        AvroSerde.of(FairCompletion.class).deserializer());
        CommittedTail<FairnessAudit> audits = new CommittedTail<>(bootstrap, "audit-" + suffix,
            AvroSerde.of(FairnessAudit.class).deserializer())) {
      long t0 = System.nanoTime();
      Thread producer = new Thread(() -> {
        try {
          for (int from = 0; from < prompts; from += 20) {
            FaultKit.producePrompts(bootstrap, "prompts-" + suffix, "b-", from, Math.min(prompts, from + 20));
            Thread.sleep(500);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "broker-test-producer");
      producer.start();
      assertTrue(completions.awaitCount(60, Duration.ofSeconds(120)), FaultKit.tail(service.log, 40));
      // Restart a broker-only node (not the combined controller), while prompts flow.
      int victim = kafka.cluster().brokers().keySet().stream()
          .filter(id -> !kafka.cluster().controllers().containsKey(id)).max(Integer::compare).orElseThrow();
      int before = completions.count();
      long r0 = System.nanoTime();
      kafka.cluster().restartBroker(victim, Map.of());
      kafka.cluster().waitForReadyBrokers();
      double restartSeconds = (System.nanoTime() - r0) / 1e9;
      producer.join();
      boolean complete = completions.awaitCount(prompts, Duration.ofSeconds(120));
      double wall = (System.nanoTime() - t0) / 1e9;
      audits.awaitCount(prompts, Duration.ofSeconds(30));
      assertTrue(service.process.isAlive(), "the service died: " + FaultKit.tail(service.log, 40));
      int exit = service.stop();
      completions.awaitQuiet(Duration.ofSeconds(3));
      System.out.printf("[fault] broker restart: broker %d restarted at %d/%d committed (restart took %.1f s),"
          + " wall %.1f s, %.1f completions/s%n", victim, before, prompts, restartSeconds, wall, prompts / wall);
      assertTrue(complete, "only " + completions.count() + " of " + prompts + " committed");
      assertEquals("", FaultKit.exactlyOnceReport(completions.records(), audits.records(), FaultKit.ids("b-", prompts)));
      assertEquals("", FaultKit.notFullAnswers(completions.records()), "every answer a full 16-token OK generation");
      assertTrue(ServiceProcess.cleanExit(exit), "unclean stop (" + exit + "): " + FaultKit.tail(service.log, 30));
    } finally {
      if (service.process.isAlive()) {
        service.kill();
      }
    }
  }

  @Test
  @Order(3)
  void aBacklogAtOneGigabyteHeapIsAnsweredInFullInBoundedMemory() throws Exception {
    final int prompts = BACKLOG;
    String suffix = "mem";
    Path dir = FaultKit.dir(suffix);
    FaultKit.createTopics(bootstrap, suffix, 4, (short) 3, REPLICATED);
    long p0 = System.nanoTime();
    // The whole backlog is there before the service starts: nothing but the service bounds what it holds.
    FaultKit.producePrompts(bootstrap, "prompts-" + suffix, "m-", 0, prompts);
    double produceSeconds = (System.nanoTime() - p0) / 1e9;
    Map<String, String> settings = settings("fault-mem", suffix);
    // The engine holds at most engine.max.waiting + engine.max.requests requests in memory; the rest
    // wait in the buffer store (RocksDB, on disk).
    settings.put("equistream.engine.max.requests", "64");
    settings.put("commit.interval.ms", "200");
    // A deadline counts from when the request is read, and this backlog is read at once: at 16 tokens
    // each its last requests wait longer than the default 120 s, and would end with nothing generated.
    settings.put("equistream.request.deadline.ms", "900000");
    Path gcLog = dir.resolve("gc.log");
    Files.deleteIfExists(gcLog);
    ServiceProcess service = ServiceProcess.start("instance-0", dir, "-Xmx1g", settings,
        List.of("-Xlog:gc:file=" + gcLog));
    try (CommittedTail<FairCompletion> completions = new CommittedTail<>(bootstrap, "completions-" + suffix,
        AvroSerde.of(FairCompletion.class).deserializer());
        CommittedTail<FairnessAudit> audits = new CommittedTail<>(bootstrap, "audit-" + suffix,
            AvroSerde.of(FairnessAudit.class).deserializer())) {
      long t0 = System.nanoTime();
      // A full collection while most of the backlog still waits measures what the service holds.
      boolean third = completions.awaitCount(prompts / 3, Duration.ofSeconds(300));
      if (third && service.process.isAlive()) {
        service.fullGc();
      }
      boolean complete = completions.awaitCount(prompts, Duration.ofSeconds(300));
      double wall = (System.nanoTime() - t0) / 1e9;
      audits.awaitCount(prompts, Duration.ofSeconds(30));
      boolean alive = service.process.isAlive();
      if (alive) {
        service.fullGc();
      }
      int exit = alive ? service.stop() : service.process.exitValue();
      completions.awaitQuiet(Duration.ofSeconds(3));
      String log = service.logText();
      long maxAfterGcMb = maxLiveHeapMb(gcLog);
      System.out.printf("[fault] -Xmx1g backlog: %d prompts produced in %.1f s, all answered in %.1f s"
          + " (%.1f completions/s incl. start-up), max live heap (after full GC) %d MB, exit %d%n", prompts,
          produceSeconds, wall, prompts / wall, maxAfterGcMb, exit);
      assertFalse(log.contains("java.lang.OutOfMemoryError"), FaultKit.tail(service.log, 40));
      assertTrue(alive, "the service died: " + FaultKit.tail(service.log, 40));
      assertTrue(complete, "only " + completions.count() + " of " + prompts + " committed");
      assertTrue(ServiceProcess.cleanExit(exit), "unclean stop: " + exit);
      assertEquals("", FaultKit.exactlyOnceReport(completions.records(), audits.records(), FaultKit.ids("m-", prompts)));
      assertEquals("", FaultKit.notFullAnswers(completions.records()), "every answer a full 16-token OK generation");
      assertTrue(fullCollections(gcLog) >= 2, "no full collection measured the live heap mid-backlog");
      assertTrue(maxAfterGcMb < 400, "live heap reached " + maxAfterGcMb + " MB of 1024");
    } finally {
      if (service.process.isAlive()) {
        service.kill();
      }
    }
  }

  /** Prompts of the backlog test: all 16-token generations, so hundreds per minute on 2 cores. */
  private static final int BACKLOG = 2_000;

  private static long fullCollections(Path gcLog) throws Exception {
    return Files.readAllLines(gcLog).stream().filter(line -> line.contains("Pause Full")).count();
  }

  /** The requests an instance's log says it resubmitted after restores ("resubmitting N buffered requests"). */
  private static long resubmittedAfterRestore(String log) {
    Matcher m = Pattern.compile("resubmitting (\\d+) buffered requests after restore").matcher(log);
    long total = 0;
    while (m.find()) {
      total += Long.parseLong(m.group(1));
    }
    return total;
  }

  /**
   * Largest heap occupancy after a full collection in a -Xlog:gc file ("Pause Full ... 276M->54M(365M)"):
   * the live set. Young pauses leave promoted garbage behind, so they do not measure it; when no full
   * collection ran, the largest occupancy after any collection is returned (an upper bound).
   */
  static long maxLiveHeapMb(Path gcLog) throws Exception {
    Pattern after = Pattern.compile("\\d+[KMG]->(\\d+)([KMG])\\(");
    long full = -1;
    long any = 0;
    for (String line : Files.exists(gcLog) ? Files.readAllLines(gcLog) : List.<String>of()) {
      Matcher m = after.matcher(line);
      if (m.find()) {
        long value = Long.parseLong(m.group(1));
        long mb = switch (m.group(2)) {
          case "K" -> value / 1024;
          case "G" -> value * 1024;
          default -> value;
        };
        any = Math.max(any, mb);
        if (line.contains("Pause Full")) {
          full = Math.max(full, mb);
        }
      }
    }
    return full >= 0 ? full : any;
  }
}
