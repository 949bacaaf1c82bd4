package io.equistream.replay;

import io.equistream.decode.FairEngine;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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
    boolean resuming = Files.exists(statePath);
    ReplayState state = openState(statePath, signature(serviceConfig, promptsTopic));
    Originals originals = loadOriginals(client);
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
      try (ReplayJob job = new ReplayJob(state, runner, progress)) {
        if (toTopic != null) {
          openTopicSink(job, serviceConfig, client, "equistream-replay-" + replayName);
        }
        openSource(job, client, promptsTopic);
        if (toFile != null) {
          job.fileSink = new FileSink(toFile, state.checkpoint.outputBytes());
        }
        job.results = new DurableFile(resultsPath, state.checkpoint.resultsBytes());
        state.save();
        progress.println("replay: " + job.source.describe() + ", " + job.source.total() + " input entries"
            + (resuming ? ", resuming after " + job.source.consumed() + " (" + state.checkpoint.replayed()
                + " replayed)" : "") + "; model " + identity.modelId() + ", batches of " + batch);
        if (!job.run(batch, stopAfter)) {
          return 0; // stopped early: the state file says where to resume
        }
      }
    }
    finish(resultsPath, originals);
    return 0;
  }

  /** The state of an earlier run of the same replay, or a fresh one (refusing to overwrite output silently). */
  private ReplayState openState(Path statePath, String signature) {
    ReplayState state = ReplayState.readIfPresent(statePath);
    if (state != null && !state.signature.equals(signature)) {
      throw new IllegalArgumentException("state file " + statePath + " belongs to another replay (different input,"
          + " output or settings); use another --state, or delete it to start over");
    }
    if (state != null) {
      return state;
    }
    if (toFile != null && Files.exists(toFile) && toFile.toFile().length() > 0 && !overwrite) {
      throw new IllegalArgumentException("output file " + toFile + " exists and has no state file " + statePath
          + "; use --overwrite to replace it");
    }
    return new ReplayState(statePath, signature);
  }

  private Originals loadOriginals(Map<String, Object> client) {
    Originals originals = new Originals();
    if (compare != null) {
      originals.load(compare, client, progress);
    }
    if (compareAudits != null) {
      Originals audits = new Originals();
      audits.load(compareAudits, client, progress);
      originals.audits.putAll(audits.audits);
    }
    return originals;
  }

  /** The transactional topic sink; a batch left in flight by the last run counts only if it committed. */
  private void openTopicSink(ReplayJob job, ServiceConfig serviceConfig, Map<String, Object> client,
      String transactionalId) {
    String auditTopic = toAuditTopic != null ? toAuditTopic : toTopic + "-audit";
    job.topicSink = new TopicSink(client, transactionalId, toTopic, auditTopic,
        serviceConfig.intValue("equistream.topics.partitions"),
        (short) serviceConfig.intValue("equistream.topics.replication"));
    ReplayState state = job.state;
    if (state.pending != null) {
      boolean made = job.topicSink.committed(state.pending.marker(), state.pending.outputStartOffsets());
      progress.println("replay: the batch in flight when the last run stopped was "
          + (made ? "committed" : "not committed (it is replayed again)"));
      if (made) {
        state.checkpoint = state.pending.after();
      }
      state.pending = null;
      state.save();
    }
    progress.println("replay: writing to topics " + toTopic + " and " + auditTopic + " as transactional.id "
        + transactionalId);
  }

  private void openSource(ReplayJob job, Map<String, Object> client, String promptsTopic) {
    ReplayState state = job.state;
    Map<String, Long> position = state.checkpoint.position();
    if (fromFile != null) {
      job.source = new FileSource(fromFile, position.getOrDefault("line", position.getOrDefault("record", 0L)));
      return;
    }
    if (state.bounds == null) {
      state.bounds = TopicSource.compute(client, promptsTopic, partitionOffsets(fromOffset), singleOffset(fromOffset),
          instant(fromTimestamp), partitionOffsets(toOffset), singleOffset(toOffset), instant(toTimestamp)).ranges();
    }
    job.source = new TopicSource(client, promptsTopic, new TopicSource.Bounds(state.bounds), position);
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
}
