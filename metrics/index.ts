import type { MetricName } from '../config/pipeline.js';
import { accuracy, f1 } from './classification.js';
import { mae, r2, rmse } from './regression.js';

export { accuracy, f1 } from './classification.js';
export { mae, r2, rmse } from './regression.js';

export type Predictions =
  | { kind: 'labels'; labels: string[]; classes: string[] }
  | { kind: 'values'; values: Float64Array };

/** Scores predictions against the raw target values with the named metric. */
export function score(metric: MetricName, truth: readonly string[], predictions: Predictions): number {
  if (predictions.kind === 'labels') {
    if (metric === 'accuracy') return accuracy(truth, predictions.labels);
    if (metric === 'f1') return f1(truth, predictions.labels, predictions.classes);
    throw new RangeError(`metric "${metric}" needs a regression model`);
  }
  const y = Float64Array.from(truth, Number);
  if (metric === 'rmse') return rmse(y, predictions.values);
  if (metric === 'mae') return mae(y, predictions.values);
  if (metric === 'r2') return r2(y, predictions.values);
  throw new RangeError(`metric "${metric}" needs a classifier`);
}
