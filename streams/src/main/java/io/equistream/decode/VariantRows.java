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
 */
final class VariantRows {
  private final VariantPlan plan;
  private final List<LmSequence> rows = new ArrayList<>();
  private int[] rowOfVariant;

  VariantRows(VariantPlan plan, int[] prompt, boolean dedup) {
    this.plan = plan;
    int variants = plan.variants().size();
    rowOfVariant = new int[variants];
    Map<List<Integer>, Integer> rowByContent = new HashMap<>();
    for (int v = 0; v < variants; v++) {
      int[] sequence = new int[prompt.length];
      for (int t = 0; t < prompt.length; t++) {
        sequence[t] = plan.mapToken(v, prompt[t]);
      }
      List<Integer> key = Arrays.stream(sequence).boxed().toList();
      Integer existing = dedup ? rowByContent.get(key) : null;
      if (existing == null) {
        existing = rows.size();
        rows.add(new LmSequence(sequence));
        rowByContent.put(key, existing);
      }
      rowOfVariant[v] = existing;
    }
  }

  List<LmSequence> rows() {
    return rows;
  }

  int[] rowOfVariant() {
    return rowOfVariant;
  }

  /**
   * Appends the chosen token, as each variant sees it, to every row; forks rows whose variants
   * disagree. First-step-only variants (symsample's audit counterfactuals) leave here: their row
   * index becomes -1 and rows no other variant uses are dropped.
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
    rows.clear();
    rows.addAll(kept);
    rowOfVariant = remaining;
  }

  private int addFork(int row) {
    rows.add(rows.get(row).fork());
    return rows.size() - 1;
  }
}
