package io.equistream.replay;

import io.equistream.decode.FairEngine;
import io.equistream.schemas.PromptRequest;
import io.equistream.answer.CompletionRecords;
import io.equistream.stream.FairStreamsService;
import io.equistream.stream.ServiceListener;
import io.equistream.answer.RequestDefaults;
import io.equistream.stream.ServiceConfig;
import io.equistream.answer.ServiceIdentity;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code equistream replay}: re-runs logged prompts through the same engine code path as the
 * service, under its own identity and without touching the service's consumer group, into a file
 * or a topic; resumable; optionally diffed against the original completions and audits.
 */
@Command(name = "replay", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Re-runs logged prompts (from the prompts topic, between offsets or timestamps, or from a"
        + " JSON-lines/Avro file) through the fair decoder into a separate file or topic. Never joins or commits"
        + " to a consumer group; topic output uses its own transactional.id (equistream-replay-<name>).",
        "With no overrides every request is replayed with its own settings and seed (for unseeded sampled"
        + " requests, the seed the service reported, taken from --compare), so completions repeat token for token.",
        "Resumable: the state file (default OUT.state) records the last durable batch; rerun the same command"
        + " to continue."})
public final class ReplayCommand implements Callable<Integer> {
  @Option(names = "--from-topic", description = "Read prompts from the prompts topic (needs --bootstrap).")
  boolean fromTopic;

  @Option(names = "--topic", paramLabel = "TOPIC", description = "Prompts topic. Default: equistream.topic.prompts.")
  String topic;

  @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
  String bootstrap;

  @Option(names = "--from-timestamp", paramLabel = "ISO|MILLIS", description = "First record time (inclusive).")
  String fromTimestamp;

  @Option(names = "--from-offset", paramLabel = "N|P:N,...", description = "First offset (inclusive), for every partition or per partition.")
  String fromOffset;

  @Option(names = "--to-timestamp", paramLabel = "ISO|MILLIS", description = "End record time (exclusive).")
  String toTimestamp;

  @Option(names = "--to-offset", paramLabel = "N|P:N,...", description = "End offset (exclusive), for every partition or per partition.")
  String toOffset;

  @Option(names = "--from-file", paramLabel = "FILE", description = "Prompts file: .jsonl (PromptRequest JSON lines) or .avro (container).")
  Path fromFile;

  @Option(names = "--to-file", paramLabel = "OUT.jsonl", description = "Output file: FairCompletion and FairnessAudit JSON lines.")
  Path toFile;

  @Option(names = "--to-topic", paramLabel = "TOPIC", description = "Output topic for completions (transactional).")
  String toTopic;

  @Option(names = "--to-audit-topic", paramLabel = "TOPIC", description = "Output topic for audits. Default: <to-topic>-audit.")
  String toAuditTopic;

  @Option(names = "--name", paramLabel = "NAME", description = "Replay name: transactional.id equistream-replay-NAME. Default: the output topic.")
  String name;

  @Option(names = "--compare", paramLabel = "FILE|TOPIC", description = "Original completions (FairCompletion .jsonl/.avro, or a topic with --bootstrap): seeds and the diff.")
  String compare;

  @Option(names = "--compare-audits", paramLabel = "FILE|TOPIC", description = "Original audits (FairnessAudit file or topic) for disparity before.")
  String compareAudits;

  @Option(names = "--diff-out", paramLabel = "diff.json", description = "Write the diff (needs --compare); `report --diff` renders it.")
  Path diffOut;

  @Option(names = "--model", paramLabel = "DIR", description = "Model directory (overrides equistream.model.dir).")
  String model;

  @Option(names = "--groups-file", paramLabel = "F", description = "Groups file (overrides equistream.groups.file).")
  String groupsFile;

  @Option(names = "--method", paramLabel = "M", description = "Override every request's method: none, equitune, multi or symsample (greedy requests are REJECTED under symsample).")
  String method;

  @Option(names = "--groups", paramLabel = "a,b", split = ",", description = "Override every request's groups.")
  List<String> groups;

  @Option(names = "--aggregate", paramLabel = "A", description = "Override every request's aggregation: probs or logits.")
  String aggregate;

  @Option(names = "--state", paramLabel = "FILE", description = "State file. Default: OUT.state (file output) or replay-NAME.state.")
  Path stateFile;

  @Option(names = "--batch-size", paramLabel = "N", description = "Requests answered (and made durable) per batch. Default: equistream.engine.max.requests.")
  Integer batchSize;

  @Option(names = "--config", paramLabel = "FILE", description = "Service properties file (model, groups, defaults, Kafka client settings).")
  Path config;

  @Option(names = "--set", paramLabel = "key=value", description = "Override a config key (repeatable).")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--overwrite", description = "Start over even if the output file exists without a state file.")
  boolean overwrite;

  @Option(names = "--stop-after", hidden = true, paramLabel = "BATCHES", description = "Test hook: stop after N batches, as if interrupted.")
  int stopAfter;

  private final PrintStream progress = System.err;

  @Override
  public Integer call() {
    validate();
    ServiceConfig serviceConfig = loadConfig();
    Map<String, Object> client = serviceConfig.clientProperties();
    String promptsTopic = topic != null ? topic : serviceConfig.topics().prompts();
    String replayName = name != null ? name : toTopic;
    Path statePath = stateFile != null ? stateFile
        : toFile != null ? Path.of(toFile + ".state") : Path.of("replay-" + replayName + ".state");
    Path resultsPath = Path.of(statePath + ".results.jsonl");
    String signature = signature(serviceConfig, promptsTopic);

    ReplayState state = ReplayState.readIfPresent(statePath);
    if (state != null && !state.signature.equals(signature)) {
      throw new IllegalArgumentException("state file " + statePath + " belongs to another replay (different input,"
          + " output or settings); use another --state, or delete it to start over");
    }
    boolean resuming = state != null;
    if (state == null) {
      if (toFile != null && Files.exists(toFile) && toFile.toFile().length() > 0 && !overwrite) {
        throw new IllegalArgumentException("output file " + toFile + " exists and has no state file " + statePath
            + "; use --overwrite to replace it");
      }
      state = new ReplayState(statePath, signature);
    }

    Originals originals = new Originals();
    if (compare != null) {
      originals.load(compare, client, progress);
    }
    if (compareAudits != null) {
      Originals audits = new Originals();
      audits.load(compareAudits, client, progress);
      originals.audits.putAll(audits.audits);
    }

    if (state.complete) {
      progress.println("replay: already complete according to " + statePath + "; nothing to do");
      finish(resultsPath, originals);
      return 0;
    }

    try (FairEngine engine = FairStreamsService.openEngine(serviceConfig, ServiceListener.NONE)) {
      ServiceIdentity identity = new ServiceIdentity(engine.model().modelId(),
          FairStreamsService.fingerprint(serviceConfig, engine));
      RequestDefaults defaults = new RequestDefaults(serviceConfig.get("equistream.default.method"),
          serviceConfig.get("equistream.default.aggregate"), serviceConfig.intValue("equistream.default.max.new.tokens"));
      ReplayRunner runner = new ReplayRunner(engine, identity, defaults,
          new ReplayRunner.Overrides(method, groups, aggregate), originals.seeds(),
          serviceConfig.intValue("equistream.limit.max.output.bytes"));
      int batch = batchSize != null ? batchSize : serviceConfig.intValue("equistream.engine.max.requests");
      if (batch < 1) {
        throw new IllegalArgumentException("--batch-size must be at least 1");
      }
      TopicSink topicSink = null;
      FileSink fileSink = null;
      ReplaySource source = null;
      DurableFile results = null;
      try {
        if (toTopic != null) {
          String transactionalId = "equistream-replay-" + replayName;
          topicSink = new TopicSink(client, transactionalId, toTopic,
              toAuditTopic != null ? toAuditTopic : toTopic + "-audit",
              serviceConfig.intValue("equistream.topics.partitions"),
              (short) serviceConfig.intValue("equistream.topics.replication"));
          if (state.pending != null) {
            boolean made = topicSink.committed(state.pending.marker(), state.pending.outputStartOffsets());
            progress.println("replay: the batch in flight when the last run stopped was "
                + (made ? "committed" : "not committed (it is replayed again)"));
            if (made) {
              state.checkpoint = state.pending.after();
            }
            state.pending = null;
            state.save();
          }
          progress.println("replay: writing to topics " + toTopic + " and "
              + (toAuditTopic != null ? toAuditTopic : toTopic + "-audit") + " as transactional.id " + transactionalId);
        }
        ReplayState.Checkpoint start = state.checkpoint;
        if (fromFile != null) {
          Long at = start.position().getOrDefault("line", start.position().getOrDefault("record", 0L));
          source = new FileSource(fromFile, at);
        } else {
          if (state.bounds == null) {
            state.bounds = TopicSource.compute(client, promptsTopic, partitionOffsets(fromOffset),
                singleOffset(fromOffset), instant(fromTimestamp), partitionOffsets(toOffset), singleOffset(toOffset),
                instant(toTimestamp)).ranges();
          }
          source = new TopicSource(client, promptsTopic, new TopicSource.Bounds(state.bounds), start.position());
        }
        if (toFile != null) {
          fileSink = new FileSink(toFile, start.outputBytes());
        }
        results = new DurableFile(resultsPath, start.resultsBytes());
        state.save();
        progress.println("replay: " + source.describe() + ", " + source.total() + " input entries"
            + (resuming ? ", resuming after " + source.consumed() + " (" + start.replayed() + " replayed)" : "")
            + "; model " + identity.modelId() + ", batches of " + batch);
        long replayed = start.replayed();
        long skipped = start.skipped();
        long startedConsumed = source.consumed();
        long startedNanos = System.nanoTime();
        int batches = 0;
        boolean stopped = false;
        while (true) {
          List<ReplayItem> items = source.next(batch);
          if (items.isEmpty()) {
            break;
          }
          List<PromptRequest> requests = new ArrayList<>();
          List<String> sources = new ArrayList<>();
          for (ReplayItem item : items) {
            if (item.request() == null || item.request().getRequestId() == null
                || item.request().getRequestId().isBlank()) {
              skipped++;
              progress.println("replay: skipped " + item.where() + ": "
                  + (item.request() == null ? item.problem() : "missing request_id"));
            } else {
              requests.add(item.request());
              sources.add(item.where());
            }
          }
          List<CompletionRecords.Answer> answers = runner.answer(requests);
          Map<String, String> prompts = new HashMap<>();
          requests.forEach(r -> prompts.put(r.getRequestId(), r.getPrompt()));
          for (CompletionRecords.Answer answer : answers) {
            results.appendLine(ReplayResult.of(answer, prompts.get(answer.completion().getRequestId())).toJson());
          }
          long resultsBytes = results.sync();
          replayed += answers.size();
          if (fileSink != null) {
            long outputBytes = fileSink.write(answers);
            state.checkpoint = new ReplayState.Checkpoint(source.position(), outputBytes, resultsBytes, replayed, skipped);
            state.save();
          } else {
            ReplayState.Checkpoint after = new ReplayState.Checkpoint(source.position(), -1, resultsBytes, replayed,
                skipped);
            ReplayState current = state;
            Map<String, Long> outputStart = topicSink.endOffsets();
            topicSink.write(answers, sources, UUID.randomUUID().toString(), marker -> {
              current.pending = new ReplayState.Pending(after, marker, outputStart);
              current.save();
            });
            state.checkpoint = after;
            state.pending = null;
            state.save();
          }
          batches++;
          reportProgress(source, replayed, skipped, startedConsumed, startedNanos);
          if ((stopAfter > 0 && batches >= stopAfter) || Thread.currentThread().isInterrupted()) {
            stopped = true;
            break;
          }
        }
        if (stopped) {
          progress.println("replay: stopped after " + batches + " batches at " + source.position()
              + "; rerun the same command to resume");
          return 0;
        }
        state.complete = true;
        state.save();
        progress.println("replay: done, " + replayed + " requests replayed, " + skipped + " skipped"
            + (runner.seedsFromOriginals > 0 ? ", " + runner.seedsFromOriginals + " seeds taken from the originals" : "")
            + (runner.unseededSampled > 0 ? "; WARNING: " + runner.unseededSampled + " sampled requests had no seed"
                + " (give --compare with the original completions to reproduce them)" : "")
            + (runner.streamedRequests > 0 ? "; " + runner.streamedRequests + " requests had asked for a streamed"
                + " answer: replay writes their final completions and audits, not chunks" : ""));
      } finally {
        closeQuietly(source);
        closeQuietly(fileSink);
        closeQuietly(topicSink);
        closeQuietly(results);
      }
    }
    finish(resultsPath, originals);
    return 0;
  }

  private void finish(Path resultsPath, Originals originals) {
    if (compare == null) {
      return;
    }
    DiffReport diff = new DiffReport(ReplayResult.readAll(resultsPath), originals);
    System.out.println(diff.totals().line());
    if (diffOut != null) {
      diff.write(diffOut);
      progress.println("replay: wrote diff " + diffOut.toAbsolutePath());
    }
  }

  private void reportProgress(ReplaySource source, long replayed, long skipped, long startedConsumed, long startedNanos) {
    long done = source.consumed();
    long total = source.total();
    double seconds = Math.max(1e-3, (System.nanoTime() - startedNanos) / 1e9);
    double rate = (done - startedConsumed) / seconds;
    String eta = rate > 0 ? duration((long) Math.ceil((total - done) / rate)) : "?";
    progress.println(String.format(Locale.ROOT, "replay: %d/%d (%.1f%%) input, %d replayed, %d skipped, %.1f/s, ETA %s",
        done, total, total == 0 ? 100.0 : 100.0 * done / total, replayed, skipped, rate, eta));
  }

  private static String duration(long seconds) {
    return seconds >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
  }

  private void validate() {
    if (fromTopic == (fromFile != null)) {
      throw new IllegalArgumentException("give exactly one input: --from-topic or --from-file FILE");
    }
    if ((toFile != null) == (toTopic != null)) {
      throw new IllegalArgumentException("give exactly one output: --to-file OUT.jsonl or --to-topic TOPIC");
    }
    if (fromTopic && bootstrap == null && !overrides.containsKey("bootstrap.servers") && config == null) {
      throw new IllegalArgumentException("--from-topic needs --bootstrap HOST:PORT");
    }
    if (toTopic != null && bootstrap == null && !overrides.containsKey("bootstrap.servers") && config == null) {
      throw new IllegalArgumentException("--to-topic needs --bootstrap HOST:PORT");
    }
    if (!fromTopic && (fromOffset != null || toOffset != null || fromTimestamp != null || toTimestamp != null)) {
      throw new IllegalArgumentException("--from/--to offsets and timestamps apply to --from-topic only");
    }
    if (fromOffset != null && fromTimestamp != null || toOffset != null && toTimestamp != null) {
      throw new IllegalArgumentException("give an offset or a timestamp for each bound, not both");
    }
    if (diffOut != null && compare == null) {
      throw new IllegalArgumentException("--diff-out needs --compare ORIGINAL_COMPLETIONS");
    }
    if (toFile != null && toFile.toString().toLowerCase(Locale.ROOT).endsWith(".avro")) {
      throw new IllegalArgumentException("--to-file writes JSON lines; name it .jsonl");
    }
  }

  private ServiceConfig loadConfig() {
    Map<String, String> all = new LinkedHashMap<>(overrides);
    if (bootstrap != null) {
      all.put("bootstrap.servers", bootstrap);
    }
    if (model != null) {
      all.put("equistream.model.dir", model);
    }
    if (groupsFile != null) {
      all.put("equistream.groups.file", groupsFile);
    }
    return ServiceConfig.load(config, all);
  }

  /** What must not change between a run and its resumption: input, range, output and generation settings. */
  private String signature(ServiceConfig serviceConfig, String promptsTopic) {
    Map<String, Object> s = new TreeMap<>();
    s.put("input", fromFile != null ? "file:" + fromFile.toAbsolutePath().normalize() : "topic:" + promptsTopic);
    s.put("range", String.join("|", String.valueOf(fromOffset), String.valueOf(fromTimestamp),
        String.valueOf(toOffset), String.valueOf(toTimestamp)));
    s.put("output", toFile != null ? "file:" + toFile.toAbsolutePath().normalize()
        : "topic:" + toTopic + "|" + toAuditTopic + "|" + name);
    s.put("overrides", method + "|" + groups + "|" + aggregate);
    for (String key : List.of("equistream.model.dir", "equistream.groups.file", "equistream.dedup",
        "equistream.default.method", "equistream.default.aggregate", "equistream.default.max.new.tokens")) {
      s.put(key, serviceConfig.get(key));
    }
    return s.toString();
  }

  static Instant instant(String text) {
    if (text == null) {
      return null;
    }
    try {
      return text.chars().allMatch(Character::isDigit) ? Instant.ofEpochMilli(Long.parseLong(text)) : Instant.parse(text);
    } catch (DateTimeParseException | NumberFormatException e) {
      throw new IllegalArgumentException("timestamp '" + text + "': expected ISO-8601 (2024-05-01T12:00:00Z) or epoch millis");
    }
  }

  static Long singleOffset(String text) {
    if (text == null || text.contains(":")) {
      return null;
    }
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("offset '" + text + "': expected N or PARTITION:N,...");
    }
  }

  static Map<Integer, Long> partitionOffsets(String text) {
    Map<Integer, Long> out = new HashMap<>();
    if (text == null || !text.contains(":")) {
      return out;
    }
    for (String part : text.split(",")) {
      String[] pair = part.trim().split(":");
      try {
        out.put(Integer.parseInt(pair[0].trim()), Long.parseLong(pair[1].trim()));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("offset '" + text + "': expected N or PARTITION:N,...");
      }
    }
    return out;
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      System.err.println("replay: while closing: " + e.getMessage());
    }
  }
}
