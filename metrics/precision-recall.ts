import type { ClassCounts } from './confusion.js';

/** How per-class scores are combined, as scikit-learn's `average` argument. */
export type Averaging = 'macro' | 'weighted';

export interface PerClassScores {
  precision: Float64Array;
  recall: Float64Array;
  f1: Float64Array;
}

/**
 * Precision, recall and F1 per class, as scikit-learn's
 * precision_recall_fscore_support with zero_division=0: a class never
 * predicted has precision 0, a class never present recall 0, and F1 is
 * 2·TP / (2·TP + FP + FN) (0 when that is 0/0) — the form scikit-learn uses
 * since 1.3, which is not the harmonic mean of two zero-division-patched
 * figures.
 */
export function perClassScores(counts: ClassCounts): PerClassScores {
  const k = counts.tp.length;
  const precision = new Float64Array(k);
  const recall = new Float64Array(k);
  const f1 = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const tp = counts.tp[c]!;
    const fp = counts.fp[c]!;
    const fn = counts.fn[c]!;
    precision[c] = tp + fp > 0 ? tp / (tp + fp) : 0;
    recall[c] = tp + fn > 0 ? tp / (tp + fn) : 0;
    f1[c] = 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0;
  }
  return { precision, recall, f1 };
}

/**
 * Combines per-class scores: `macro` is the unweighted mean over the classes,
 * `weighted` the mean weighted by each class's support (its true rows); with
 * no supported class at all, scikit-learn's zero_division=0 gives 0.
 */
export function average(scores: Float64Array, counts: ClassCounts, how: Averaging): number {
  if (how === 'macro') {
    let s = 0;
    for (const v of scores) s += v;
    return s / scores.length;
  }
  let s = 0;
  let w = 0;
  for (let c = 0; c < scores.length; c++) {
    s += scores[c]! * counts.support[c]!;
    w += counts.support[c]!;
  }
  return w > 0 ? s / w : 0;
}
