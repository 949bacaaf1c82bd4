package io.equistream.audit.report;

import io.equistream.cli.EquiStreamCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
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

  private static final Pattern TABLE = Pattern.compile("<table[^>]*>(.*?)</table>", Pattern.DOTALL);
  private static final Pattern BODY_ROW = Pattern.compile("<tr>(.*?)</tr>", Pattern.DOTALL);
  private static final Pattern CELL = Pattern.compile("<t[dh][^>]*>(.*?)</t[dh]>", Pattern.DOTALL);
  private static final Pattern TAG = Pattern.compile("<title>.*?</title>|<[^>]+>", Pattern.DOTALL);

  /** The body rows of every table of some HTML, each row as its cells' text (tags stripped, entities kept). */
  static List<List<List<String>>> tables(String html) {
    List<List<List<String>>> tables = new ArrayList<>();
    Matcher t = TABLE.matcher(html);
    while (t.find()) {
      String body = t.group(1).contains("<tbody>") ? t.group(1).substring(t.group(1).indexOf("<tbody>")) : t.group(1);
      List<List<String>> rows = new ArrayList<>();
      Matcher r = BODY_ROW.matcher(body);
      while (r.find()) {
        List<String> cells = new ArrayList<>();
        Matcher c = CELL.matcher(r.group(1));
        while (c.find()) {
          cells.add(TAG.matcher(c.group(1)).replaceAll("").strip());
        }
        rows.add(cells);
      }
      tables.add(rows);
    }
    return tables;
  }

  /** The rows of all tables of some HTML whose first cells are {@code prefix}. */
  static List<List<String>> rowsStartingWith(String html, String... prefix) {
    List<List<String>> out = new ArrayList<>();
    for (List<List<String>> table : tables(html)) {
      for (List<String> row : table) {
        if (row.size() >= prefix.length && row.subList(0, prefix.length).equals(List.of(prefix))) {
          out.add(row);
        }
      }
    }
    return out;
  }

  static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
      n++;
    }
    return n;
  }
}
