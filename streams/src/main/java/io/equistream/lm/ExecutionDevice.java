package io.equistream.lm;

import java.util.Locale;

/** Where ONNX Runtime runs: {@code cpu} or {@code cuda[:N]}. */
public record ExecutionDevice(Kind kind, int index) {
  public enum Kind { CPU, CUDA }

  public static final ExecutionDevice CPU = new ExecutionDevice(Kind.CPU, 0);

  public static ExecutionDevice parse(String text) {
    String spec = text == null ? "cpu" : text.trim().toLowerCase(Locale.ROOT);
    if (spec.equals("cpu")) {
      return CPU;
    }
    if (spec.equals("cuda")) {
      return new ExecutionDevice(Kind.CUDA, 0);
    }
    if (spec.startsWith("cuda:")) {
      try {
        int index = Integer.parseInt(spec.substring(5));
        if (index >= 0) {
          return new ExecutionDevice(Kind.CUDA, index);
        }
      } catch (NumberFormatException ignored) {
        // falls through to the error below
      }
    }
    throw new IllegalArgumentException("unknown device '" + text + "': use cpu, cuda or cuda:N");
  }

  @Override
  public String toString() {
    return kind == Kind.CPU ? "cpu" : "cuda:" + index;
  }
}
