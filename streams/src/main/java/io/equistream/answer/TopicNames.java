package io.equistream.answer;

import java.util.regex.Pattern;

/** Kafka's rule for topic names (legal characters, at most 249, not "." or ".."). */
public final class TopicNames {
  private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private TopicNames() {
  }

  public static boolean isLegal(String topic) {
    return LEGAL.matcher(topic).matches() && !topic.equals(".") && !topic.equals("..");
  }
}
