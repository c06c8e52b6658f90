import type { MetricName } from '../config/pipeline.js';
import { accuracy, f1 } from './classification.js';
import { mae, r2, rmse } from './regression.js';

export { accuracy, f1 } from './classification.js';
export { mae, mape, r2, rmse } from './regression.js';
export { CLASSIFICATION_METRICS, PROBABILITY_METRICS, classificationMetrics, type ClassificationInput } from './classification-metrics.js';
export { REGRESSION_METRICS, regressionMetrics } from './regression-metrics.js';
export { binaryRocAuc, rocAuc } from './roc-auc.js';
export { logLoss } from './log-loss.js';
export { ECE_BINS, expectedCalibrationError } from './calibration-error.js';
export { classCounts, encodeLabels, type ClassCounts } from './confusion.js';
export { average, perClassScores, type Averaging } from './precision-recall.js';
export { rowsOf, topClass, type ProbabilityMatrix } from './probabilities.js';
export { measured, undefinedMetric, type MetricValue, type MetricValues } from './metric-value.js';

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
