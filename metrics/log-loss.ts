import { measured, undefinedMetric, type MetricValue } from './metric-value.js';
import { rowsOf, type ProbabilityMatrix } from './probabilities.js';

/** float64 machine epsilon (numpy.finfo(float64).eps), scikit-learn's clipping bound. */
const EPS = 2 ** -52;

/**
 * Mean cross-entropy of the true class, as scikit-learn's log_loss (≥ 1.5)
 * with `labels=classes`: each probability is clipped to [eps, 1 − eps] with
 * eps the float64 machine epsilon, rows are NOT renormalised (scikit-learn
 * only warns when they do not sum to 1), natural logarithm.
 *
 * `truth` holds class indices; -1 (a label that is not a class) gives null,
 * as scikit-learn refuses it.
 */
export function logLoss(truth: Int32Array, probabilities: ProbabilityMatrix): MetricValue {
  const n = rowsOf(probabilities);
  if (truth.length !== n) throw new RangeError(`truth has ${truth.length} rows but probabilities have ${n}`);
  if (n === 0) return undefinedMetric('no rows');
  const k = probabilities.classes.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const t = truth[i]!;
    if (t < 0) return undefinedMetric(`row ${i} has a label that is not one of the model's classes (${probabilities.classes.join(', ')})`);
    const p = Math.min(Math.max(probabilities.values[i * k + t]!, EPS), 1 - EPS);
    sum -= Math.log(p);
  }
  return measured(sum / n);
}
