package io.equistream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code java -jar equistream.jar <command>}. */
@Command(name = "equistream", mixinStandardHelpOptions = true, version = "EquiStream 0.1.0",
    description = "Provably fair (group-equivariant) GPT-2 text generation on Kafka Streams.",
    subcommands = {GenerateCommand.class, ScoreCommand.class, DemoCommand.class, RunCommand.class, AskCommand.class,
        ProduceCommand.class, ConsumeCommand.class, io.equistream.bench.BenchCommand.class, io.equistream.audit.report.ReportCommand.class,
        io.equistream.replay.ReplayCommand.class})
public final class EquiStreamCli implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs a command line; errors become one line on stderr and a non-zero exit code. */
  public static int execute(String... args) {
    return execute(new java.io.PrintWriter(System.err, true), args);
  }

  /** As {@link #execute(String...)}, with errors and usage problems written to {@code err}. */
  public static int execute(java.io.PrintWriter err, String... args) {
    CommandLine commandLine = new CommandLine(new EquiStreamCli());
    commandLine.setErr(err);
    commandLine.setExecutionExceptionHandler((error, line, parsed) -> {
      line.getErr().println("error: " + oneLine(error));
      return 2;
    });
    return commandLine.execute(args);
  }

  static String oneLine(Throwable error) {
    String message = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    return message.replace('\n', ' ');
  }
}
