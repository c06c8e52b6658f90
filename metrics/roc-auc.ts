import { measured, undefinedMetric, type MetricValue } from './metric-value.js';
import { rowsOf, type ProbabilityMatrix } from './probabilities.js';

/**
 * Area under the ROC curve of one score against binary truth, as
 * scikit-learn's roc_auc_score computes it: the trapezoidal area under the
 * curve through one point per distinct score (ties move both rates at once,
 * which is what gives a tied positive/negative pair half credit). The area is
 * accumulated in integer counts and divided once, so it is exact up to 2^53
 * rows. Null when all rows are one class (scikit-learn: nan and a warning).
 */
export function binaryRocAuc(positive: Uint8Array, scores: ArrayLike<number>): MetricValue {
  const n = positive.length;
  if (scores.length !== n) throw new RangeError(`truth has ${n} rows but scores have ${scores.length}`);
  let p = 0;
  for (let i = 0; i < n; i++) p += positive[i]!;
  const negatives = n - p;
  if (p === 0 || negatives === 0) {
    return undefinedMetric(n === 0 ? 'no rows' : `only ${p === 0 ? 'negative' : 'positive'} rows: ROC AUC needs both`);
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]!);
  // Twice the trapezoidal area, in units of (false positives × true positives).
  let twiceArea = 0;
  let tp = 0;
  let fp = 0;
  let prevTp = 0;
  let prevFp = 0;
  for (let i = 0; i < n; i++) {
    const r = order[i]!;
    if (positive[r]) tp++;
    else fp++;
    // Close a curve point only after the last row of a run of tied scores.
    if (i + 1 < n && scores[order[i + 1]!] === scores[r]) continue;
    twiceArea += (fp - prevFp) * (tp + prevTp);
    prevTp = tp;
    prevFp = fp;
  }
  return measured(twiceArea / (2 * p * negatives));
}

/**
 * ROC AUC of a classifier from its class probabilities. Two classes: the
 * positive class is `classes[1]` (scikit-learn's pos_label with sorted
 * classes). More: one-vs-rest per class, unweighted mean, as
 * roc_auc_score(multi_class='ovr', average='macro', labels=classes) — null
 * when any class has no rows or only rows (scikit-learn: nan), or when rows
 * do not sum to 1 (scikit-learn refuses those scores for multiclass).
 *
 * `truth` holds each row's class index (-1: a label that is not a class:
 * null, as scikit-learn refuses it).
 */
export function rocAuc(truth: Int32Array, probabilities: ProbabilityMatrix): MetricValue {
  const n = rowsOf(probabilities);
  if (truth.length !== n) throw new RangeError(`truth has ${truth.length} rows but probabilities have ${n}`);
  if (n === 0) return undefinedMetric('no rows');
  const unknown = truth.indexOf(-1);
  if (unknown >= 0) return undefinedMetric(`row ${unknown} has a label that is not one of the model's classes (${probabilities.classes.join(', ')})`);
  const k = probabilities.classes.length;
  const column = (j: number) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = probabilities.values[i * k + j]!;
    return out;
  };
  const isClass = (j: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = truth[i] === j ? 1 : 0;
    return out;
  };
  if (k === 2) return binaryRocAuc(isClass(1), column(1));
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += probabilities.values[i * k + j]!;
    // numpy.allclose(1, s): |s - 1| <= 1e-8 + 1e-5.
    if (!(Math.abs(s - 1) <= 1e-8 + 1e-5)) return undefinedMetric(`row ${i}'s probabilities sum to ${s}, not 1: one-vs-rest ROC AUC needs probabilities`);
  }
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const auc = binaryRocAuc(isClass(j), column(j));
    if (auc.value === null) return undefinedMetric(`class "${probabilities.classes[j]}": ${auc.reason}`);
    sum += auc.value;
  }
  return measured(sum / k);
}
