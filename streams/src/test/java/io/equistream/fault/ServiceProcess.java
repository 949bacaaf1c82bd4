package io.equistream.fault;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One {@code equistream run} JVM, logging to a file: started, signalled (KILL, TERM, STOP, CONT), scraped. */
final class ServiceProcess {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Pattern HTTP_PORT = Pattern.compile("health and metrics on http port (\\d+)");

  final String name;
  final Process process;
  final Path log;

  private ServiceProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static ServiceProcess start(String name, Path dir, String heap, Map<String, String> settings,
      List<String> jvmOptions) throws IOException {
    if (!Files.isRegularFile(FaultKit.JAR)) {
      throw new IllegalStateException(FaultKit.JAR + " is missing: run `mvn package` (failsafe runs after it in `verify`)");
    }
    Path state = dir.resolve("state-" + name);
    Path log = dir.resolve(name + ".log");
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add(heap);
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+ExitOnOutOfMemoryError");
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", FaultKit.JAR.toString(), "run"));
    Map<String, String> all = new LinkedHashMap<>(settings);
    all.putIfAbsent("state.dir", state.toString());
    all.forEach((k, v) -> command.addAll(List.of("--set", k + "=" + v)));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Files.writeString(log, "=== " + Instant.now() + " " + String.join(" ", command) + "\n",
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    Process process = builder.start();
    // If the test JVM dies, its service JVMs must not outlive it.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "reap-" + name));
    return new ServiceProcess(name, process, log);
  }

  /** SIGKILL: no shutdown hook, no commit, no close. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * True when an exit code after SIGTERM means a clean stop: 0, which {@code run} returns after
   * closing Kafka Streams, the engine and the model. 143 (128 + SIGTERM) would mean the JVM began
   * its shutdown on the signal, where ONNX Runtime's hook races the engine (see StopSignals).
   */
  static boolean cleanExit(int code) {
    return code == 0;
  }

  /** SIGTERM and the exit code (-1 when it did not exit within 60 s and was killed). */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      return -1;
    }
    return process.exitValue();
  }

  /** SIGSTOP: the whole JVM freezes (stream, heartbeat and engine threads alike), as in a long GC pause. */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT: a paused JVM goes on where it stopped, unaware of the time that passed. */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String signal) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  /** A full collection now (jcmd GC.run), so a -Xlog:gc file shows the live heap at this moment. */
  void fullGc() throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process gc = new ProcessBuilder(jcmd.toString(), String.valueOf(process.pid()), "GC.run")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!gc.waitFor(30, TimeUnit.SECONDS) || gc.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + process.pid() + " GC.run failed");
    }
  }

  /** The health/metrics port the service printed (run with equistream.http.port=0). */
  int httpPort(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher port = HTTP_PORT.matcher(logText());
      if (port.find()) {
        return Integer.parseInt(port.group(1));
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException(name + " printed no http port: " + FaultKit.tail(log, 30));
  }

  /** GET http://127.0.0.1:port/path (status and body). */
  static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Waits until /health/ready answers 200 (Kafka Streams RUNNING). */
  static void awaitReady(int port, Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (get(port, "/health/ready").statusCode() != 200) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not ready within " + timeout);
      }
      Thread.sleep(200);
    }
  }

  String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }
}
