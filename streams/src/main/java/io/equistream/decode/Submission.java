package io.equistream.decode;

/**
 * A request handed to the engine: its validated request, a deadline (System.nanoTime(); running
 * past it ends the request with finish reason deadline and what it has; Long.MAX_VALUE = none), the caller's tag (e.g. the
 * buffer key that answers it) and where its outcome goes. {@code forcedTokens} are tokens an
 * earlier run of the same request already showed (a streamed answer resumed after a crash): the
 * first steps choose those again instead of sampling anew, so what was shown stays true.
 * {@link #cancel()} makes the engine drop it: no outcome follows a cancel that the engine saw first.
 */
public final class Submission {
  private final FairRequest request;
  private final long deadlineNanos;
  private final Object tag;
  private final OutcomeSink sink;
  private final boolean streamed;
  private final int[] forcedTokens;
  private volatile boolean cancelled;

  public Submission(FairRequest request, long deadlineNanos, Object tag, OutcomeSink sink, boolean streamed) {
    this(request, deadlineNanos, tag, sink, streamed, new int[0]);
  }

  public Submission(FairRequest request, long deadlineNanos, Object tag, OutcomeSink sink, boolean streamed,
      int[] forcedTokens) {
    this.request = request;
    this.deadlineNanos = deadlineNanos;
    this.tag = tag;
    this.sink = sink;
    this.streamed = streamed;
    this.forcedTokens = forcedTokens.clone();
  }

  int[] forcedTokens() {
    return forcedTokens.clone();
  }

  public FairRequest request() {
    return request;
  }

  public long deadlineNanos() {
    return deadlineNanos;
  }

  public Object tag() {
    return tag;
  }

  OutcomeSink sink() {
    return sink;
  }

  /** Whether the sink wants every chosen token as it comes. */
  public boolean streamed() {
    return streamed;
  }

  public void cancel() {
    cancelled = true;
  }

  public boolean cancelled() {
    return cancelled;
  }
}
