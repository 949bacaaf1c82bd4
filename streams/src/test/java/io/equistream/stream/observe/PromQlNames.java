package io.equistream.stream.observe;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The metric names a PromQL expression selects, with the label names it matches or groups by:
 * enough of PromQL for dashboard queries (functions, aggregations with by/without, binary operators,
 * range selectors, Grafana's $variables inside strings and ranges).
 */
final class PromQlNames {
  private static final Set<String> AGGREGATIONS = Set.of("sum", "min", "max", "avg", "group", "stddev", "stdvar",
      "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio");
  private static final Set<String> GROUPING = Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");

  /** Metric name to the label names of its selector (in braces); grouping labels in {@link #groupingLabels}. */
  final Map<String, Set<String>> metrics = new LinkedHashMap<>();
  final Set<String> groupingLabels = new LinkedHashSet<>();

  PromQlNames(String expr) {
    int i = 0;
    while (i < expr.length()) {
      char c = expr.charAt(i);
      if (c == '"' || c == '\'') {
        i = skipString(expr, i);
      } else if (c == '[') {
        i = expr.indexOf(']', i) + 1; // range or subquery duration
      } else if (Character.isDigit(c) || c == '.') {
        i = skipNumber(expr, i);
      } else if (Character.isLetter(c) || c == '_' || c == ':') {
        int end = identifierEnd(expr, i);
        String word = expr.substring(i, end);
        int next = skipSpaces(expr, end);
        char after = next < expr.length() ? expr.charAt(next) : ' ';
        if (GROUPING.contains(word)) {
          i = readLabelList(expr, next, groupingLabels);
        } else if (AGGREGATIONS.contains(word) || after == '(' || KEYWORDS.contains(word)) {
          i = end; // a function, an aggregation or an operator keyword
        } else {
          Set<String> labels = metrics.computeIfAbsent(word, k -> new LinkedHashSet<>());
          i = after == '{' ? readMatchers(expr, next, labels) : end;
        }
      } else if (c == '{') {
        throw new IllegalArgumentException("a selector without a metric name: " + expr);
      } else {
        i++;
      }
    }
  }

  private static int readMatchers(String expr, int open, Set<String> labels) {
    int i = open + 1;
    while (i < expr.length() && expr.charAt(i) != '}') {
      char c = expr.charAt(i);
      if (c == '"' || c == '\'') {
        i = skipString(expr, i);
      } else if (Character.isLetter(c) || c == '_') {
        int end = identifierEnd(expr, i);
        labels.add(expr.substring(i, end));
        i = end;
      } else {
        i++;
      }
    }
    return i + 1;
  }

  private static int readLabelList(String expr, int open, Set<String> labels) {
    if (open >= expr.length() || expr.charAt(open) != '(') {
      return open; // e.g. group_left without labels
    }
    int close = expr.indexOf(')', open);
    for (String label : expr.substring(open + 1, close).split(",")) {
      if (!label.isBlank()) {
        labels.add(label.strip());
      }
    }
    return close + 1;
  }

  private static int skipString(String expr, int start) {
    char quote = expr.charAt(start);
    int i = start + 1;
    while (i < expr.length() && expr.charAt(i) != quote) {
      i += expr.charAt(i) == '\\' ? 2 : 1;
    }
    return i + 1;
  }

  private static int skipNumber(String expr, int start) {
    int i = start;
    while (i < expr.length()) {
      char c = expr.charAt(i);
      boolean exponentSign = (c == '+' || c == '-') && i > start && "eE".indexOf(expr.charAt(i - 1)) >= 0;
      if (!(Character.isDigit(c) || c == '.' || c == 'e' || c == 'E' || exponentSign)) {
        break;
      }
      i++;
    }
    return i;
  }

  private static int identifierEnd(String expr, int start) {
    int i = start;
    while (i < expr.length() && (Character.isLetterOrDigit(expr.charAt(i)) || expr.charAt(i) == '_'
        || expr.charAt(i) == ':')) {
      i++;
    }
    return i;
  }

  private static int skipSpaces(String expr, int start) {
    int i = start;
    while (i < expr.length() && Character.isWhitespace(expr.charAt(i))) {
      i++;
    }
    return i;
  }
}
