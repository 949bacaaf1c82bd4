package io.equistream.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.equistream.TestAssets;
import io.equistream.cli.EquiStreamCli;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `bench --quick` end to end (the real benchmark stays out of the test run). */
class BenchSmokeTest {
  @Test
  void quickBenchWritesItsReportAndChart(@TempDir Path out) throws Exception {
    int exit = EquiStreamCli.execute(new PrintWriter(System.err, true), "bench", "--quick", "--model",
        TestAssets.TINY_MODEL.toString(), "--tokens", "3", "--kafka-requests", "4", "--out", out.toString());
    assertEquals(0, exit);
    JsonNode report = new ObjectMapper().readTree(out.resolve("bench.json").toFile());
    assertEquals(22, report.get("decoder").size(),
        "(3 prompt kinds x (none + 2 methods) + sampled none and symsample) x 2 concurrencies");
    int sampled = 0;
    for (JsonNode result : report.get("decoder")) {
      if (result.get("temperature").asDouble() > 0) {
        sampled++;
        assertEquals(1.0, result.get("sequencesPerStep").asDouble(), "none and symsample run one sequence per step");
      }
    }
    assertEquals(4, sampled);
    assertTrue(report.get("targets").get("checks").toString().contains("symsample/none tokens/s"));
    for (JsonNode result : report.get("decoder")) {
      assertTrue(result.get("msPerToken").asDouble() > 0 && result.get("tokensPerSecond").asDouble() > 0);
      assertTrue(result.get("bareRowsPerSecond").asDouble() > 0 && result.get("keptOfBare").asDouble() > 0,
          "every decoder row is measured against bare ONNX Runtime: " + result);
    }
    assertTrue(report.get("head_of_line").get("stepMs").asDouble() > 0);
    assertTrue(report.get("prefix_sharing").get("sharedMs").asDouble() > 0);
    assertTrue(report.get("kafka").get("kafkaTokensPerSecond").asDouble() > 0);
    assertTrue(report.get("kafka").get("firstChunkIdle").get("p50Ms").asDouble() > 0);
    assertEquals(4, report.get("memory_long_prompts").get("answered_ok").asInt());
    assertEquals(4, report.get("memory_service").get("answered_ok").asInt());
    assertTrue(report.get("memory_service").get("peak_rss_bytes").asLong() > 0);
    assertTrue(report.get("targets").get("total").asInt() >= 14);
    String svg = Files.readString(out.resolve("bench.svg"));
    assertTrue(svg.startsWith("<svg") && svg.contains("ms per generated token"));
  }
}
