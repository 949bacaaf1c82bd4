package io.equistream.lm;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A pool of direct (off-heap) float buffers that ONNX Runtime reads and writes in place: KV-cache
 * tensors and logits are pinned outputs backed by these, so nothing is copied between ORT and Java
 * on the decode path. Decoding alternates between two sets of same-sized buffers (past, present),
 * so after the first steps every acquire is served from the pool. Idle buffers are freed at once
 * (not left to the garbage collector) whenever live and idle buffers together would exceed
 * {@link #limitHeld held bytes}, so memory use follows what the engine holds. Owned by one engine
 * thread: not thread-safe.
 */
public final class NativeBuffers {
  /** One tensor of ORT must fit a Java buffer; the decoder splits work so that no tensor is larger. */
  public static final long MAX_TENSOR_BYTES = 1L << 30;
  private static final long GRAIN = 1L << 16;
  private static final Method INVOKE_CLEANER;
  private static final Object UNSAFE;

  static {
    Method cleaner = null;
    Object unsafe = null;
    try {
      Class<?> type = Class.forName("sun.misc.Unsafe");
      var field = type.getDeclaredField("theUnsafe");
      field.setAccessible(true);
      unsafe = field.get(null);
      cleaner = type.getMethod("invokeCleaner", ByteBuffer.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Without it, freed buffers go back to the OS when the garbage collector finds them.
    }
    INVOKE_CLEANER = cleaner;
    UNSAFE = unsafe;
  }

  private final List<ByteBuffer> idle = new ArrayList<>();
  private long maxHeldBytes;
  private long idleBytes;
  private long liveBytes;
  private long peakLiveBytes;

  public NativeBuffers(long maxHeldBytes) {
    this.maxHeldBytes = maxHeldBytes;
  }

  /** Live plus idle bytes above which idle buffers are freed (the engine's memory budget). */
  public void limitHeld(long bytes) {
    maxHeldBytes = bytes;
    shrink();
  }

  /** A pooled buffer seen as exactly {@code floats} floats (contents undefined), and the buffer it lives on. */
  public static final class Block {
    private final ByteBuffer base;
    private final FloatBuffer floats;

    private Block(ByteBuffer base, FloatBuffer floats) {
      this.base = base;
      this.floats = floats;
    }

    /** The floats, position 0, limit = the size asked for. */
    public FloatBuffer floats() {
      return floats;
    }
  }

  /** A block of {@code floats} floats, from the pool when one fits. */
  public Block acquire(long floats) {
    long bytes = floats * Float.BYTES;
    if (bytes > MAX_TENSOR_BYTES) {
      throw new IllegalArgumentException("a tensor of " + bytes + " bytes exceeds " + MAX_TENSOR_BYTES);
    }
    ByteBuffer chosen = null;
    for (ByteBuffer candidate : idle) {
      // Smallest idle buffer that fits, but not one far too large for the request.
      if (candidate.capacity() >= bytes && candidate.capacity() <= 2 * bytes + GRAIN
          && (chosen == null || candidate.capacity() < chosen.capacity())) {
        chosen = candidate;
      }
    }
    if (chosen != null) {
      idle.remove(chosen);
      idleBytes -= chosen.capacity();
    } else {
      long capacity = Math.min(MAX_TENSOR_BYTES, (bytes + bytes / 8 + GRAIN - 1) / GRAIN * GRAIN); // room to grow
      chosen = allocate((int) capacity);
    }
    liveBytes += chosen.capacity();
    peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
    return new Block(chosen, chosen.slice(0, (int) bytes).order(ByteOrder.nativeOrder()).asFloatBuffer());
  }

  /** A new direct buffer; at the direct-memory limit, the idle ones are freed first and it is tried once more. */
  private ByteBuffer allocate(int capacity) {
    try {
      return ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
    } catch (OutOfMemoryError full) {
      if (idle.isEmpty()) {
        throw full;
      }
      trim();
      return ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
    }
  }

  /** Gives a block back; it must not be used afterwards. */
  public void release(Block block) {
    ByteBuffer base = block.base;
    liveBytes -= base.capacity();
    idle.add(base);
    idleBytes += base.capacity();
    shrink();
  }

  private void shrink() {
    while (liveBytes + idleBytes > maxHeldBytes && !idle.isEmpty()) {
      ByteBuffer largest = idle.get(0);
      for (ByteBuffer candidate : idle) {
        if (candidate.capacity() > largest.capacity()) {
          largest = candidate;
        }
      }
      idle.remove(largest);
      idleBytes -= largest.capacity();
      free(largest);
    }
  }

  /** Frees every idle buffer (the engine went idle). */
  public void trim() {
    idle.forEach(NativeBuffers::free);
    idle.clear();
    idleBytes = 0;
  }

  /** Bytes of buffers handed out and not given back. */
  public long liveBytes() {
    return liveBytes;
  }

  public long peakLiveBytes() {
    return peakLiveBytes;
  }

  public long idleBytes() {
    return idleBytes;
  }

  private static void free(ByteBuffer buffer) {
    if (INVOKE_CLEANER != null) {
      try {
        INVOKE_CLEANER.invoke(UNSAFE, buffer);
      } catch (ReflectiveOperationException | RuntimeException e) {
        // left to the garbage collector
      }
    }
  }
}
