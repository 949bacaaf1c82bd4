package io.equistream.audit.report;

import io.equistream.cli.EquiStreamCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code equistream report ...} in-process, capturing stdout and stderr, and takes the page apart. */
record ReportRun(int exitCode, String out, String err) {
  private static final Pattern SECTION = Pattern.compile("<section id=\"([^\"]+)\">(.*?)</section>", Pattern.DOTALL);

  static synchronized ReportRun of(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = EquiStreamCli.execute(args);
      return new ReportRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  static String page(Path html) throws IOException {
    return Files.readString(html, StandardCharsets.UTF_8);
  }

  /** Section id -> section HTML, in page order. */
  static Map<String, String> sections(String page) {
    Map<String, String> sections = new LinkedHashMap<>();
    Matcher m = SECTION.matcher(page);
    while (m.find()) {
      sections.put(m.group(1), m.group(2));
    }
    return sections;
  }

  static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
      n++;
    }
    return n;
  }
}
