package io.equistream.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Peak memory of one concurrent multi batch, measured in a fresh JVM: in the benchmark's own JVM
 * the allocators keep what earlier, bigger configurations took, so its peaks say nothing about one batch.
 */
final class MemoryChild {
  private MemoryChild() {
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> run(Path model, Path groupsFile, int newTokens, int requests) throws IOException,
      InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classPath = System.getProperty("java.class.path");
    List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx4g", "-cp", classPath,
        "io.equistream.cli.EquiStreamCli", "bench", "--memory-probe", "--model", model.toString(), "--groups-file",
        groupsFile.toString(), "--tokens", String.valueOf(newTokens)));
    if (requests < 16) {
      command.add("--quick");
    }
    Process child = new ProcessBuilder(command)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (child.waitFor() != 0 || output.isEmpty()) {
      throw new IllegalStateException("memory probe failed (exit " + child.exitValue() + ")");
    }
    String lastLine = output.substring(output.lastIndexOf('\n') + 1);
    return new ObjectMapper().readValue(lastLine, Map.class);
  }
}
