package io.equistream.stream;

import io.equistream.TestAssets;

/**
 * Chatbot-shaped prompts: a long neutral context (no orbit word of any group) and a question with
 * words of every group (gender, race, religion, orientation); odd-numbered
 * prompts also open with group words, so both the shared-prefix path and the plain path run.
 */
public final class ChatPrompts {
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

  private ChatPrompts() {
  }

  /** About {@code tokens} GPT-2 tokens (never more). */
  public static String withWordsOfEveryGroup(int index, int tokens) {
    String opening = index % 2 == 1 ? "User: A Muslim woman and a Black straight friend asked me this. " : "User: ";
    String question = " Assistant, a Jewish Hispanic woman who is gay and her brother want advice: which jobs"
        + " would suit them? Assistant:";
    StringBuilder context = new StringBuilder("System: You answer questions for visitors of a community center.");
    for (int s = index; ; s++) {
      String next = context + " " + CONTEXT[s % CONTEXT.length];
      if (TestAssets.tokenizer().encode(opening + next + question).length > tokens) {
        break;
      }
      context.setLength(0);
      context.append(next);
    }
    return opening + context + question;
  }
}
