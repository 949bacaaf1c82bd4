package io.equistream.replay;

import java.util.List;
import java.util.Map;

/**
 * Where replayed prompts come from, read in a fixed order so that an interrupted replay resumes
 * exactly where it stopped. A position is a small map: {@code line}/{@code record} -> next index
 * for files, partition -> next offset for topics.
 */
interface ReplaySource extends AutoCloseable {
  /** Input units in range (lines, records or offsets), for progress. */
  long total();

  /** Input units consumed so far (same unit as total). */
  long consumed();

  /** Up to {@code max} items; an empty list when the input is exhausted. */
  List<ReplayItem> next(int max);

  /** The position just after the last item returned by {@link #next}. */
  Map<String, Long> position();

  /** What the input is (checked on resume so a state file is not applied to another replay). */
  String describe();

  @Override
  void close();
}
