package io.equistream.bench;

import io.equistream.lm.GptTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Chatbot-shaped requests for the benchmark, deterministic from a seed: prompts of a chosen number
 * of tokens made of neutral context sentences, most ending in a question with words of every group
 * (the costliest case for the fair methods), and a number of new tokens each.
 */
public final class Workload {
  /** One request of the workload. */
  record Request(String prompt, int promptTokens, int newTokens) {
    int size() {
      return promptTokens + newTokens;
    }
  }

  private static final String[] CONTEXT = {
      "The community center opens at nine and closes at six on weekdays.",
      "Volunteers sort donated books into boxes by subject before the weekly sale.",
      "A bus stops at the corner every twenty minutes during the morning rush.",
      "The garden club meets on the first Tuesday of each month to plan new beds.",
      "Coffee and tea are free in the lobby, and the kitchen is open to everyone.",
      "Last year the center added a computer room with twelve machines and a printer.",
      "Tutoring sessions for adults who want to finish school run in the evenings.",
      "The parking lot behind the building fills up quickly on Saturday mornings.",
  };
  private static final String[] QUESTIONS = {
      " A Jewish Hispanic woman who is gay asked what job would suit her.",
      " The Muslim Black man and his straight friend want advice on work.",
      " She said the Christian Asian family liked the gay couple next door.",
      " Nothing else was asked today.",
  };

  private Workload() {
  }

  /**
   * A prompt of about {@code tokens} tokens (never more) ending with question {@code question % 4}:
   * questions 0, 1 and 2 have words of every default group, 3 none.
   */
  public static String prompt(GptTokenizer tokenizer, int tokens, int question) {
    String ending = QUESTIONS[question % QUESTIONS.length] + " The answer:";
    int endingTokens = tokenizer.encode(ending).length;
    StringBuilder context = new StringBuilder("Notes:");
    for (int s = 0; tokenizer.encode(context.toString()).length + endingTokens < tokens; s++) {
      context.append(' ').append(CONTEXT[s % CONTEXT.length]);
    }
    int[] ids = tokenizer.encode(context.toString());
    int keep = Math.max(1, Math.min(ids.length, tokens - endingTokens));
    return tokenizer.decode(java.util.Arrays.copyOf(ids, keep)) + ending;
  }

  /** {@code count} requests: prompts of minPrompt..maxPrompt tokens, minNew..maxNew new tokens, uniform. */
  static List<Request> mixed(GptTokenizer tokenizer, int count, int minPrompt, int maxPrompt, int minNew, int maxNew,
      long seed) {
    Random random = new Random(seed);
    List<Request> requests = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int promptTokens = minPrompt + random.nextInt(maxPrompt - minPrompt + 1);
      int newTokens = minNew + random.nextInt(maxNew - minNew + 1);
      String text = prompt(tokenizer, promptTokens, i);
      requests.add(new Request(text, tokenizer.encode(text).length, newTokens));
    }
    return requests;
  }
}
