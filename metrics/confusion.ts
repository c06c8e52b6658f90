/**
 * Labels encoded against the model's classes: the index of each row's label in
 * `classes`, or -1 for a label that is not one of them (a class the model
 * never saw: always a miss, never a hit).
 */
export function encodeLabels(labels: readonly string[], classes: readonly string[]): Int32Array {
  const index = new Map(classes.map((c, i) => [c, i]));
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = index.get(labels[i]!) ?? -1;
  return out;
}

/**
 * One-vs-rest counts per class, as scikit-learn's multilabel_confusion_matrix
 * with `labels=classes` counts them: a row whose true label is not a class
 * still counts as a false positive of the class it was predicted as.
 */
export interface ClassCounts {
  tp: Float64Array;
  fp: Float64Array;
  fn: Float64Array;
  /** Rows whose true label is the class (tp + fn). */
  support: Float64Array;
}

export function classCounts(truth: Int32Array, predicted: Int32Array, k: number): ClassCounts {
  if (truth.length !== predicted.length) throw new RangeError(`truth has ${truth.length} rows but predictions have ${predicted.length}`);
  const tp = new Float64Array(k);
  const fp = new Float64Array(k);
  const fn = new Float64Array(k);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    if (t === p) {
      if (t >= 0) tp[t]!++;
      continue;
    }
    if (p >= 0) fp[p]!++;
    if (t >= 0) fn[t]!++;
  }
  const support = new Float64Array(k);
  for (let c = 0; c < k; c++) support[c] = tp[c]! + fn[c]!;
  return { tp, fp, fn, support };
}
