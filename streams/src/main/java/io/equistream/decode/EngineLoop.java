package io.equistream.decode;

import io.equistream.lm.GptTokenizer;
import io.equistream.lm.OnnxCausalLm;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine thread: iteration-level ("continuous") batching, as in Orca and vLLM. Each iteration
 * drops cancelled requests and ends expired ones, admits waiting requests that fit the memory
 * budget and the row limit, prefills at most one chunk of prompt tokens, runs one decoding step for
 * every running request, and retires finished requests at once. The ONNX session is touched only
 * here. A model call that fails is retried with each of its requests in calls of its own, so one bad
 * request cannot fail the others.
 */
final class EngineLoop implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(EngineLoop.class);

  /** A request from submission to its outcome. */
  static final class Active {
    final Submission submission;
    final RequestDecoder decoder;
    long admittedAtMillis;
    long admittedNanos;
    long reservedBytes;
    /** After a failed shared call: runs in calls of its own from now on. */
    boolean isolated;
    /** Set when a call of its own failed: the request ends FAILED with this reason. */
    String failure;

    Active(Submission submission, RequestDecoder decoder) {
      this.submission = submission;
      this.decoder = decoder;
    }
  }

  private final OnnxCausalLm model;
  private final GptTokenizer tokenizer;
  private final EngineSettings settings;
  private final MemoryBudget budget;
  private final StepRunner steps;
  private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
  private final ArrayDeque<Active> waiting = new ArrayDeque<>();
  private final List<Active> running = new ArrayList<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final EngineStats stats = new EngineStats();
  private volatile boolean stopping;

  EngineLoop(OnnxCausalLm model, GptTokenizer tokenizer, EngineSettings settings, StepListener listener) {
    this.model = model;
    this.tokenizer = tokenizer;
    this.settings = settings;
    this.budget = new MemoryBudget(settings.memoryBytes(), model.shape(), model.maxPositions(),
        settings.idlePrefillTokens(), OnnxCausalLm.DEFAULT_MAX_LOGITS_BYTES);
    this.steps = new StepRunner(model, settings, listener);
    model.limitBuffers(settings.memoryBytes());
  }

  MemoryBudget budget() {
    return budget;
  }

  EngineStats stats() {
    return stats;
  }

  /** Queues submissions (any thread); false when {@code bounded} and the waiting queue is full. */
  boolean submit(Collection<Submission> submissions, boolean bounded) {
    if (bounded && queued.get() + submissions.size() > settings.maxWaiting()) {
      return false;
    }
    queued.addAndGet(submissions.size());
    List<Submission> copy = List.copyOf(submissions);
    inbox.add(() -> copy.forEach(this::accept));
    return true;
  }

  /** Runs a job on the engine thread, between iterations. */
  void execute(Runnable job) {
    inbox.add(job);
  }

  /** Makes the loop look at cancellations soon. */
  void wake() {
    inbox.add(() -> { });
  }

  void stop() {
    stopping = true;
    wake();
  }

  @Override
  public void run() {
    while (!stopping) {
      try {
        drainInbox(running.isEmpty() && waiting.isEmpty());
        if (!stopping) {
          iterate();
        }
      } catch (InterruptedException e) {
        break;
      } catch (Throwable unexpected) { // the engine must outlive any one request
        LOG.error("engine iteration failed; failing the running requests", unexpected);
        List.copyOf(running).forEach(a -> fail(a, "engine error: " + unexpected));
      }
    }
    List.copyOf(running).forEach(a -> fail(a, "engine closed"));
    List.copyOf(waiting).forEach(a -> fail(a, "engine closed"));
    drainQueuedOnClose();
  }

  private void drainInbox(boolean idle) throws InterruptedException {
    Runnable command = idle ? inbox.poll(1, TimeUnit.SECONDS) : inbox.poll();
    while (command != null) {
      command.run();
      command = inbox.poll();
    }
    if (idle && running.isEmpty() && waiting.isEmpty()) {
      model.trimBuffers(); // an idle service gives its KV memory back
    }
  }

  private void drainQueuedOnClose() {
    for (Runnable command = inbox.poll(); command != null; command = inbox.poll()) {
      command.run(); // submissions arriving during close get their "engine closed" outcome
    }
    List.copyOf(waiting).forEach(a -> fail(a, "engine closed"));
  }

  private void accept(Submission submission) {
    queued.decrementAndGet();
    Active active;
    try {
      active = new Active(submission, new RequestDecoder(submission.request(), settings, tokenizer,
          model.maxPositions(), submission.forcedTokens()));
    } catch (RuntimeException e) {
      LOG.error("request {} could not be prepared: {}", submission.request().id(), e.toString());
      deliver(new EngineOutcome(submission, null, "request could not be prepared: " + e.getMessage(), 0,
          System.currentTimeMillis(), 0));
      return;
    }
    String tooBig = budget.neverFits(submission.request(), submission.request().plan().variants().size());
    if (stopping) {
      fail(active, "engine closed");
    } else if (tooBig != null) {
      fail(active, tooBig); // the service rejects these at intake; direct callers learn it here
    } else if (active.decoder.finish() != null) {
      finish(active); // nothing to generate (the prompt fills the context)
    } else {
      waiting.addLast(active);
    }
  }

  private void iterate() {
    long now = System.nanoTime();
    dropOrExpire(waiting, now);
    dropOrExpire(running, now);
    admit();
    int advanced = steps.run(running);
    for (Active active : List.copyOf(running)) {
      if (active.failure != null) {
        LOG.error("request {} failed in generation: {}", active.submission.request().id(), active.failure);
        fail(active, "generation failed: " + active.failure);
      } else if (active.decoder.finish() != null) {
        finish(active);
      }
    }
    keepWithinBudget();
    stats.update(running.size(), waiting.size() + queued.get(), budget, model.liveBufferBytes(),
        model.peakBufferBytes());
    if (advanced > 0 && settings.stepDelayMs() > 0) {
      sleep(settings.stepDelayMs());
    }
  }

  private void dropOrExpire(Collection<Active> actives, long now) {
    for (Iterator<Active> it = actives.iterator(); it.hasNext(); ) {
      Active active = it.next();
      if (active.submission.cancelled()) {
        it.remove();
        release(active);
      } else if (active.submission.deadlineNanos() != Long.MAX_VALUE && now - active.submission.deadlineNanos() > 0) {
        it.remove();
        active.decoder.stop(FinishReason.DEADLINE);
        finishRemoved(active);
      }
    }
  }

  /** Admits in arrival order while requests, rows and memory allow (a preempted request comes first). */
  private void admit() {
    int rows = 0;
    for (Active active : running) {
      rows += active.decoder.rowCount();
    }
    while (!waiting.isEmpty() && running.size() < settings.maxRequests()) {
      Active next = waiting.peekFirst();
      int nextRows = next.decoder.rowCount();
      long bytes = budget.bytesFor(next.submission.request(), nextRows);
      boolean alone = running.isEmpty(); // a request that fits alone (checked at submission) always runs
      if (!alone && (rows + nextRows > settings.maxRows() || !budget.fits(bytes))) {
        break;
      }
      waiting.removeFirst();
      budget.reserve(bytes);
      next.reservedBytes = bytes;
      if (next.admittedNanos == 0) {
        next.admittedNanos = System.nanoTime();
        next.admittedAtMillis = System.currentTimeMillis();
      }
      running.add(next);
      rows += nextRows;
    }
  }

  /**
   * Forks grow a request's rows (and memory) as it decodes: when the running requests no longer fit,
   * the youngest go back to the front of the queue, their caches freed; they prefill again later.
   */
  private void keepWithinBudget() {
    for (Active active : running) {
      long now = budget.bytesFor(active.submission.request(), active.decoder.rowCount());
      if (now > active.reservedBytes) {
        budget.reserve(now - active.reservedBytes);
        active.reservedBytes = now;
      }
    }
    while (running.size() > 1 && !budget.fits(0)) {
      Active youngest = running.remove(running.size() - 1);
      youngest.decoder.releaseRows();
      budget.free(youngest.reservedBytes);
      youngest.reservedBytes = 0;
      waiting.addFirst(youngest);
      stats.preempted();
      LOG.info("request {} preempted: the running requests outgrew the memory budget", youngest.submission.request().id());
    }
  }

  /** A running request that is done: give back its memory and deliver it. */
  private void finish(Active active) {
    running.remove(active);
    finishRemoved(active);
  }

  private void finishRemoved(Active active) {
    release(active);
    long done = System.currentTimeMillis();
    long inference = active.admittedNanos == 0 ? 0 : (System.nanoTime() - active.admittedNanos) / 1_000_000L;
    deliver(new EngineOutcome(active.submission, active.decoder.result(), null, active.admittedAtMillis, done,
        inference));
  }

  private void fail(Active active, String reason) {
    running.remove(active);
    waiting.remove(active);
    release(active);
    deliver(new EngineOutcome(active.submission, null, reason, active.admittedAtMillis, System.currentTimeMillis(),
        0));
  }

  private void release(Active active) {
    active.decoder.releaseRows();
    budget.free(active.reservedBytes);
    active.reservedBytes = 0;
  }

  private void deliver(EngineOutcome outcome) {
    if (outcome.submission().cancelled()) {
      return;
    }
    try {
      outcome.submission().sink().finished(outcome);
    } catch (RuntimeException e) {
      LOG.error("an outcome sink failed for request {}", outcome.submission().request().id(), e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
