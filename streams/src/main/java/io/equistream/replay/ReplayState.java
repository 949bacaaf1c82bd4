package io.equistream.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * The resume checkpoint: the input position after the last batch whose output is durable, the
 * sizes of the output and results files at that point (anything after them is a partial batch and
 * is cut off on resume), and for topic output the batch being committed ({@code pending}), which a
 * restart resolves by looking for its marker in the output topic. Written atomically (temporary
 * file, fsync, rename).
 */
final class ReplayState {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A checkpoint; {@code outputBytes} is -1 for topic output. */
  record Checkpoint(Map<String, Long> position, long outputBytes, long resultsBytes, long replayed, long skipped) {
  }

  /** A batch written to the output topic whose commit is not yet known to have happened. */
  record Pending(Checkpoint after, String marker, Map<String, Long> outputStartOffsets) {
  }

  final Path file;
  String signature;
  TreeMap<Integer, long[]> bounds;
  Checkpoint checkpoint;
  Pending pending;
  boolean complete;

  ReplayState(Path file, String signature) {
    this.file = file;
    this.signature = signature;
    this.checkpoint = new Checkpoint(Map.of(), 0, 0, 0, 0);
  }

  static ReplayState readIfPresent(Path file) {
    if (!Files.exists(file)) {
      return null;
    }
    try {
      JsonNode root = JSON.readTree(file.toFile());
      ReplayState state = new ReplayState(file, root.path("signature").asText());
      state.complete = root.path("complete").asBoolean(false);
      state.checkpoint = checkpoint(root.path("checkpoint"));
      if (root.hasNonNull("bounds")) {
        state.bounds = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : root.get("bounds").properties()) {
          state.bounds.put(Integer.parseInt(e.getKey()), new long[] {e.getValue().get(0).asLong(),
              e.getValue().get(1).asLong()});
        }
      }
      JsonNode pending = root.path("pending");
      if (pending.isObject()) {
        state.pending = new Pending(checkpoint(pending.path("after")), pending.path("marker").asText(),
            longs(pending.path("output_start_offsets")));
      }
      return state;
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("state file " + file + " is unreadable (" + e.getMessage()
          + "); delete it to start the replay over", e);
    }
  }

  private static Checkpoint checkpoint(JsonNode node) {
    return new Checkpoint(longs(node.path("position")), node.path("output_bytes").asLong(0),
        node.path("results_bytes").asLong(0), node.path("replayed").asLong(0), node.path("skipped").asLong(0));
  }

  private static Map<String, Long> longs(JsonNode node) {
    Map<String, Long> out = new TreeMap<>();
    if (node != null && node.isObject()) {
      node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asLong()));
    }
    return out;
  }

  private static ObjectNode node(Checkpoint c) {
    ObjectNode n = JSON.createObjectNode();
    ObjectNode position = n.putObject("position");
    c.position().forEach(position::put);
    n.put("output_bytes", c.outputBytes());
    n.put("results_bytes", c.resultsBytes());
    n.put("replayed", c.replayed());
    n.put("skipped", c.skipped());
    return n;
  }

  /** Writes the state durably: temporary file, fsync, atomic rename. */
  void save() {
    ObjectNode root = JSON.createObjectNode();
    root.put("version", 1);
    root.put("signature", signature);
    root.put("complete", complete);
    if (bounds != null) {
      ObjectNode b = root.putObject("bounds");
      bounds.forEach((p, r) -> b.putArray(String.valueOf(p)).add(r[0]).add(r[1]));
    }
    root.set("checkpoint", node(checkpoint));
    if (pending != null) {
      ObjectNode p = root.putObject("pending");
      p.set("after", node(pending.after()));
      p.put("marker", pending.marker());
      ObjectNode offsets = p.putObject("output_start_offsets");
      pending.outputStartOffsets().forEach(offsets::put);
    }
    try {
      Path target = file.toAbsolutePath();
      Files.createDirectories(target.getParent());
      Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
      byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write state file " + file + ": " + e.getMessage(), e);
    }
  }
}
