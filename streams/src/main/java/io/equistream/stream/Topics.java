package io.equistream.stream;

import java.util.List;

/** The service's topic names. */
public record Topics(String prompts, String completions, String audit, String auditSummary, String deadLetters,
    String chunks) {
  public static Topics defaults() {
    return new Topics("prompts", "completions", "fairness-audit", "fairness-audit-summary", "prompts-dlq",
        "completion-chunks");
  }

  public List<String> all() {
    return List.of(prompts, completions, audit, auditSummary, deadLetters, chunks);
  }
}
