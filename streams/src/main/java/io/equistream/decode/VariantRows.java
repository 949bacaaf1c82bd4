package io.equistream.decode;

import io.equistream.equivariance.VariantPlan;
import io.equistream.lm.LmSequence;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The distinct sequences one request runs. With dedup, variants whose sequences are identical share
 * one row (one KV cache); when an appended token maps differently for variants of a row (an orbit
 * word), the row forks copy-on-write. Identical sequences never re-merge, so the partition only
 * ever refines. Without dedup every variant has its own row.
 *
 * <p>Prefix sharing: the variants of a prompt are identical up to its first orbit word. When that
 * common prefix is long, it is prefilled once as a row of its own, and every row then forks from
 * it and runs only the rest of the prompt ({@link #prefixRow()} until {@link #prefixComputed()}).
 */
final class VariantRows {
  /** Shorter common prefixes are not worth a model call of their own. */
  static final int MIN_SHARED_PREFIX = 16;

  private final VariantPlan plan;
  private final List<LmSequence> rows = new ArrayList<>();
  private final int[][] rowPrompts;
  private int[] rowOfVariant;
  private LmSequence prefix;

  VariantRows(VariantPlan plan, int[] prompt, boolean dedup, boolean shareLongPrefix) {
    this.plan = plan;
    int variants = plan.variants().size();
    rowOfVariant = new int[variants];
    Map<List<Integer>, Integer> rowByContent = new HashMap<>();
    List<int[]> distinct = new ArrayList<>();
    for (int v = 0; v < variants; v++) {
      int[] sequence = new int[prompt.length];
      for (int t = 0; t < prompt.length; t++) {
        sequence[t] = plan.mapToken(v, prompt[t]);
      }
      List<Integer> key = Arrays.stream(sequence).boxed().toList();
      Integer existing = dedup ? rowByContent.get(key) : null;
      if (existing == null) {
        existing = distinct.size();
        distinct.add(sequence);
        rowByContent.put(key, existing);
      }
      rowOfVariant[v] = existing;
    }
    rowPrompts = distinct.toArray(new int[0][]);
    int shared = commonPrefix(rowPrompts);
    if (shareLongPrefix && rowPrompts.length > 1 && shared >= MIN_SHARED_PREFIX) {
      prefix = new LmSequence(Arrays.copyOf(prompt, shared)); // identical in every row (no orbit word yet)
    } else {
      for (int[] sequence : rowPrompts) {
        rows.add(new LmSequence(sequence));
      }
    }
  }

  private static int commonPrefix(int[][] sequences) {
    int length = sequences[0].length;
    for (int[] other : sequences) {
      int same = 0;
      while (same < length && other[same] == sequences[0][same]) {
        same++;
      }
      length = same;
    }
    return length;
  }

  /** The shared prefix still to be prefilled on its own, or null. */
  LmSequence prefixRow() {
    return prefix;
  }

  /** The prefix is cached: every row forks from it and keeps only its own rest of the prompt to run. */
  void prefixComputed() {
    int shared = prefix.length();
    for (int[] sequence : rowPrompts) {
      LmSequence row = prefix.fork();
      for (int t = shared; t < sequence.length; t++) {
        row.append(sequence[t]);
      }
      rows.add(row);
    }
    prefix.release();
    prefix = null;
  }

  /** Distinct rows (empty while the shared prefix runs). */
  List<LmSequence> rows() {
    return rows;
  }

  /** How many distinct rows the prompt has (before any fork). */
  int promptRows() {
    return rowPrompts.length;
  }

  int[] rowOfVariant() {
    return rowOfVariant;
  }

  /** Gives every row's cache back to the pool. */
  void release() {
    if (prefix != null) {
      prefix.release();
    }
    rows.forEach(LmSequence::release);
  }

  /**
   * Appends the chosen token, as each variant sees it, to every row; forks rows whose variants
   * disagree. First-step-only variants (symsample's audit counterfactuals) leave here: their row
   * index becomes -1 and rows no other variant uses are dropped (their caches given back).
   */
  void append(int token) {
    dropFirstStepOnly();
    int[] mapped = new int[rowOfVariant.length];
    for (int v = 0; v < mapped.length; v++) {
      mapped[v] = plan.mapToken(v, token);
    }
    int originalRows = rows.size();
    List<Map<Integer, Integer>> rowForToken = new ArrayList<>(originalRows);
    for (int r = 0; r < originalRows; r++) {
      rowForToken.add(new LinkedHashMap<>());
    }
    int[] next = new int[rowOfVariant.length];
    for (int v = 0; v < mapped.length; v++) {
      int row = rowOfVariant[v];
      if (row < 0) {
        next[v] = -1;
        continue;
      }
      Map<Integer, Integer> targets = rowForToken.get(row);
      Integer target = targets.get(mapped[v]);
      if (target == null) {
        // The first token seen keeps the row; any other forks it (before anything is appended).
        target = targets.isEmpty() ? row : addFork(row);
        targets.put(mapped[v], target);
      }
      next[v] = target;
    }
    for (Map<Integer, Integer> targets : rowForToken) {
      for (Map.Entry<Integer, Integer> target : targets.entrySet()) {
        rows.get(target.getValue()).append(target.getKey());
      }
    }
    rowOfVariant = next;
  }

  private void dropFirstStepOnly() {
    boolean leaving = false;
    for (int v = 0; v < rowOfVariant.length; v++) {
      leaving |= plan.firstStepOnly(v) && rowOfVariant[v] >= 0;
    }
    if (!leaving) {
      return; // every plan but symsample's with counterfactuals, and that one after its first step
    }
    int[] renumbered = new int[rows.size()];
    Arrays.fill(renumbered, -1);
    List<LmSequence> kept = new ArrayList<>();
    int[] remaining = new int[rowOfVariant.length];
    for (int v = 0; v < rowOfVariant.length; v++) {
      int row = rowOfVariant[v];
      if (plan.firstStepOnly(v) || row < 0) {
        remaining[v] = -1;
        continue;
      }
      if (renumbered[row] < 0) {
        renumbered[row] = kept.size();
        kept.add(rows.get(row));
      }
      remaining[v] = renumbered[row];
    }
    for (int r = 0; r < rows.size(); r++) {
      if (renumbered[r] < 0) {
        rows.get(r).release();
      }
    }
    rows.clear();
    rows.addAll(kept);
    rowOfVariant = remaining;
  }

  private int addFork(int row) {
    rows.add(rows.get(row).fork());
    return rows.size() - 1;
  }
}
