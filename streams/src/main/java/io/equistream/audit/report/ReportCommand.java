package io.equistream.audit.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code equistream report}: one self-contained HTML page about the fairness audits, from files or Kafka. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "Writes one self-contained HTML report (inline CSS and SVG charts) about FairnessAudit records"
        + " read from files or from the audit topic.")
public final class ReportCommand implements Callable<Integer> {
  /** Where the audits come from: files or a Kafka cluster, exactly one. */
  static final class Source {
    @Option(names = "--input", arity = "1..*", paramLabel = "FILE",
        description = ".jsonl (one AvroJson record per line) or .avro (Avro object container) files.")
    List<Path> files;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers to read the topics from.")
    String bootstrap;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Option(names = "--topic", defaultValue = "fairness-audit", description = "Audit topic. Default: ${DEFAULT-VALUE}")
  String topic;

  @Option(names = "--summary-topic", defaultValue = "fairness-audit-summary",
      description = "Windowed AuditSummary topic (optional; skipped if missing). Default: ${DEFAULT-VALUE}")
  String summaryTopic;

  @Option(names = "--diff", paramLabel = "DIFF.json", description = "Replay diff JSON from the replay command.")
  Path diffFile;

  @Option(names = "--out", required = true, paramLabel = "report.html", description = "HTML file to write.")
  Path out;

  @Option(names = "--title", paramLabel = "T", description = "Page title. Default: " + HtmlReport.DEFAULT_TITLE)
  String title;

  @Override
  public Integer call() throws IOException {
    PrintStream progress = System.err;
    Optional<ReplayDiff> diff = Optional.ofNullable(diffFile).map(ReplayDiff::read); // fail fast on a bad diff
    AuditInput input = new AuditInput();
    if (source.files != null) {
      AuditFileReader reader = new AuditFileReader(progress);
      source.files.forEach(f -> reader.read(f, input));
    } else {
      AuditTopicReader reader = new AuditTopicReader(source.bootstrap, progress);
      reader.readAudits(topic, input);
      reader.readSummaries(summaryTopic, input);
    }
    String page = new HtmlReport(title, input, diff, Instant.now()).render();
    write(page);
    System.out.println("wrote " + out.toAbsolutePath() + ": " + input.audits.size() + " audits, "
        + input.summaries.size() + " summaries, " + input.skipped + " skipped"
        + diff.map(d -> ", replay diff of " + d.requests().size() + " requests").orElse(""));
    return 0;
  }

  /**
   * Writes via a temporary file in the same directory so a reader never sees half a page. The file is
   * created like any other (mode 0666 less the umask, e.g. 0644): a report is meant to be shared, and
   * Files.createTempFile would make it 0600.
   */
  private void write(String page) throws IOException {
    Path target = out.toAbsolutePath();
    Path dir = target.getParent();
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve(".report-" + UUID.randomUUID() + ".html.tmp");
      try {
        Files.writeString(tmp, page, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new IOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }
}
