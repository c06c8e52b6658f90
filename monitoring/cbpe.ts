import { LABEL_METRICS } from '../metrics/classification-metrics.js';
import { measured, undefinedMetric, type MetricValues } from '../metrics/metric-value.js';
import { rowsOf, type ProbabilityMatrix } from '../metrics/probabilities.js';

/** The metrics confidence-based performance estimation gives (the label-based names they estimate). */
export const ESTIMATED_METRICS = LABEL_METRICS;

/**
 * Confidence-based performance estimation (CBPE, as NannyML describes it):
 * if the model's probabilities are calibrated, row i's label is class c with
 * probability p_i(c), so each confusion-matrix cell has an expected value
 * without any label:
 *
 *   E[correct_i] = p_i(ŷ_i)                 → expected accuracy = mean p_i(ŷ_i)
 *   E[TP_c] = Σ_i p_i(c)·[ŷ_i = c]
 *   E[FP_c] = Σ_i (1 − p_i(c))·[ŷ_i = c]
 *   E[FN_c] = Σ_i p_i(c)·[ŷ_i ≠ c]
 *
 * and precision, recall and F1 are computed from the expected counts as the
 * realised ones are from the real counts (binary: the positive class
 * `classes[1]`; macro: one-vs-rest per class, unweighted mean; weighted: by
 * expected support Σ_i p_i(c)), with scikit-learn's zero_division=0. For an
 * argmax classifier p_i(ŷ_i) is the top-class probability. The estimate is
 * only as good as the calibration: it measures the effect of covariate shift
 * on a calibrated model, not concept drift.
 *
 * `predicted` holds each row's predicted class index (-1: not a class, which
 * counts as a miss of every class).
 */
export function estimatePerformance(predicted: Int32Array, probabilities: ProbabilityMatrix): MetricValues {
  const n = rowsOf(probabilities);
  if (predicted.length !== n) throw new RangeError(`predictions have ${predicted.length} rows but probabilities have ${n}`);
  if (n === 0) {
    const none = undefinedMetric('no rows with probabilities');
    return Object.fromEntries(ESTIMATED_METRICS.map((m) => [m, none]));
  }
  const k = probabilities.classes.length;
  const p = probabilities.values;
  const tp = new Float64Array(k);
  const fp = new Float64Array(k);
  const fn = new Float64Array(k);
  const support = new Float64Array(k);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const yhat = predicted[i]!;
    if (yhat >= 0) correct += p[i * k + yhat]!;
    for (let c = 0; c < k; c++) {
      const pc = p[i * k + c]!;
      support[c]! += pc;
      if (c === yhat) {
        tp[c]! += pc;
        fp[c]! += 1 - pc;
      } else {
        fn[c]! += pc;
      }
    }
  }
  const precision = new Float64Array(k);
  const recall = new Float64Array(k);
  const f1 = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    precision[c] = tp[c]! + fp[c]! > 0 ? tp[c]! / (tp[c]! + fp[c]!) : 0;
    recall[c] = tp[c]! + fn[c]! > 0 ? tp[c]! / (tp[c]! + fn[c]!) : 0;
    const d = 2 * tp[c]! + fp[c]! + fn[c]!;
    f1[c] = d > 0 ? (2 * tp[c]!) / d : 0;
  }
  const macro = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / k;
  const weighted = (v: Float64Array) => {
    let s = 0;
    let w = 0;
    for (let c = 0; c < k; c++) {
      s += v[c]! * support[c]!;
      w += support[c]!;
    }
    return w > 0 ? s / w : 0;
  };
  const binary = k === 2;
  return {
    accuracy: measured(correct / n),
    precision: measured(binary ? precision[1]! : macro(precision)),
    recall: measured(binary ? recall[1]! : macro(recall)),
    f1: measured(binary ? f1[1]! : macro(f1)),
    precisionMacro: measured(macro(precision)),
    recallMacro: measured(macro(recall)),
    f1Macro: measured(macro(f1)),
    precisionWeighted: measured(weighted(precision)),
    recallWeighted: measured(weighted(recall)),
    f1Weighted: measured(weighted(f1)),
  };
}
