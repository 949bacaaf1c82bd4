package io.equistream.replay;

import io.equistream.answer.CompletionRecords;
import io.equistream.schemas.PromptRequest;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * One replay run: reads batches from its source, answers them, writes them to its file or topic sink
 * and checkpoints the state after each batch is durable (for a topic, the batch's marker is saved
 * before its transaction commits, so a crash in between is resolved on the next run). Owns the
 * source, the sinks and the results file; {@link #close} closes them.
 */
final class ReplayJob implements AutoCloseable {
  final ReplayState state;
  private final ReplayRunner runner;
  private final PrintStream progress;
  ReplaySource source;
  FileSink fileSink;
  TopicSink topicSink;
  DurableFile results;
  private long replayed;
  private long skipped;

  ReplayJob(ReplayState state, ReplayRunner runner, PrintStream progress) {
    this.state = state;
    this.runner = runner;
    this.progress = progress;
  }

  /** Replays to the end (true) or until {@code stopAfter} batches (a test hook) or an interrupt (false). */
  boolean run(int batch, int stopAfter) {
    replayed = state.checkpoint.replayed();
    skipped = state.checkpoint.skipped();
    long startedConsumed = source.consumed();
    long startedNanos = System.nanoTime();
    int batches = 0;
    List<ReplayItem> items;
    while (!(items = source.next(batch)).isEmpty()) {
      replayBatch(items);
      batches++;
      reportProgress(startedConsumed, startedNanos);
      if ((stopAfter > 0 && batches >= stopAfter) || Thread.currentThread().isInterrupted()) {
        progress.println("replay: stopped after " + batches + " batches at " + source.position()
            + "; rerun the same command to resume");
        return false;
      }
    }
    state.complete = true;
    state.save();
    progress.println("replay: done, " + replayed + " requests replayed, " + skipped + " skipped"
        + (runner.seedsFromOriginals > 0 ? ", " + runner.seedsFromOriginals + " seeds taken from the originals" : "")
        + (runner.unseededSampled > 0 ? "; WARNING: " + runner.unseededSampled + " sampled requests had no seed"
            + " (give --compare with the original completions to reproduce them)" : "")
        + (runner.streamedRequests > 0 ? "; " + runner.streamedRequests + " requests had asked for a streamed"
            + " answer: replay writes their final completions and audits, not chunks" : ""));
    return true;
  }

  private void replayBatch(List<ReplayItem> items) {
    List<PromptRequest> requests = new ArrayList<>();
    List<String> sources = new ArrayList<>();
    for (ReplayItem item : items) {
      PromptRequest request = item.request();
      if (request == null || request.getRequestId() == null || request.getRequestId().isBlank()) {
        skipped++;
        progress.println("replay: skipped " + item.where() + ": " + (request == null ? item.problem()
            : "missing request_id"));
      } else {
        requests.add(request);
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
      return;
    }
    ReplayState.Checkpoint after = new ReplayState.Checkpoint(source.position(), -1, resultsBytes, replayed, skipped);
    Map<String, Long> outputStart = topicSink.endOffsets();
    topicSink.write(answers, sources, UUID.randomUUID().toString(), marker -> {
      state.pending = new ReplayState.Pending(after, marker, outputStart);
      state.save();
    });
    state.checkpoint = after;
    state.pending = null;
    state.save();
  }

  private void reportProgress(long startedConsumed, long startedNanos) {
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

  @Override
  public void close() {
    closeQuietly(source);
    closeQuietly(fileSink);
    closeQuietly(topicSink);
    closeQuietly(results);
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
