import { expectedCalibrationError } from './calibration-error.js';
import { classCounts, encodeLabels } from './confusion.js';
import { logLoss } from './log-loss.js';
import { measured, undefinedMetric, type MetricValue, type MetricValues } from './metric-value.js';
import { average, perClassScores } from './precision-recall.js';
import { rowsOf, type ProbabilityMatrix } from './probabilities.js';
import { rocAuc } from './roc-auc.js';

/**
 * The metrics a classifier is monitored with. `precision`, `recall` and `f1`
 * are the positive class's (two classes: `classes[1]`) or the macro average
 * (more classes) — the trainer's convention for the model card's `f1`; the
 * `…Macro` and `…Weighted` forms are always the averages. `rocAuc`, `logLoss`
 * and `ece` need probabilities.
 */
export const CLASSIFICATION_METRICS = [
  'accuracy',
  'precision',
  'recall',
  'f1',
  'precisionMacro',
  'recallMacro',
  'f1Macro',
  'precisionWeighted',
  'recallWeighted',
  'f1Weighted',
  'rocAuc',
  'logLoss',
  'ece',
] as const;

export const PROBABILITY_METRICS = ['rocAuc', 'logLoss', 'ece'] as const;
type ProbabilityMetric = (typeof PROBABILITY_METRICS)[number];

/** The classification metrics computed from predicted labels alone (the ones CBPE can estimate). */
export const LABEL_METRICS = CLASSIFICATION_METRICS.filter(
  (m): m is Exclude<(typeof CLASSIFICATION_METRICS)[number], ProbabilityMetric> => !(PROBABILITY_METRICS as readonly string[]).includes(m),
);

export interface ClassificationInput {
  /** True labels, as strings (the monitoring layer stringifies the logged values). */
  truth: readonly string[];
  predicted: readonly string[];
  /** The model's classes in the model card's (sorted) order. */
  classes: readonly string[];
  /** Class probabilities of the same rows, columns in `classes` order; without them the probability metrics are null. */
  probabilities?: ProbabilityMatrix | null;
  /** Why probabilities are absent, for the null metrics' reason. */
  probabilitiesMissing?: string;
}

/**
 * Every classification metric, each as scikit-learn computes it with
 * `labels=classes` and zero_division=0 (a class never predicted has
 * precision 0, one never present recall 0). Undefined cases are null with a
 * reason: no rows; ROC AUC when a class has no rows; probability metrics
 * without probabilities.
 */
export function classificationMetrics(input: ClassificationInput): MetricValues {
  const { truth, predicted, classes } = input;
  if (truth.length !== predicted.length) throw new RangeError(`truth has ${truth.length} rows but predictions have ${predicted.length}`);
  if (classes.length < 2) throw new RangeError(`a classifier has at least two classes, not ${classes.length}`);
  if (new Set(classes).size !== classes.length) throw new RangeError(`classes are not unique: ${classes.join(', ')}`);
  const n = truth.length;
  if (n === 0) {
    const none = undefinedMetric('no labelled rows');
    return Object.fromEntries(CLASSIFICATION_METRICS.map((m) => [m, none]));
  }
  let hits = 0;
  for (let i = 0; i < n; i++) if (truth[i] === predicted[i]) hits++;
  const t = encodeLabels(truth, classes);
  const p = encodeLabels(predicted, classes);
  const counts = classCounts(t, p, classes.length);
  const scores = perClassScores(counts);
  const binary = classes.length === 2;
  const out: MetricValues = {
    accuracy: measured(hits / n),
    precision: measured(binary ? scores.precision[1]! : average(scores.precision, counts, 'macro')),
    recall: measured(binary ? scores.recall[1]! : average(scores.recall, counts, 'macro')),
    f1: measured(binary ? scores.f1[1]! : average(scores.f1, counts, 'macro')),
    precisionMacro: measured(average(scores.precision, counts, 'macro')),
    recallMacro: measured(average(scores.recall, counts, 'macro')),
    f1Macro: measured(average(scores.f1, counts, 'macro')),
    precisionWeighted: measured(average(scores.precision, counts, 'weighted')),
    recallWeighted: measured(average(scores.recall, counts, 'weighted')),
    f1Weighted: measured(average(scores.f1, counts, 'weighted')),
  };
  const proba = input.probabilities;
  if (!proba) {
    const none: MetricValue = undefinedMetric(input.probabilitiesMissing ?? 'no probabilities');
    for (const m of PROBABILITY_METRICS) out[m] = none;
    return out;
  }
  if (proba.classes.join('\u0000') !== classes.join('\u0000')) {
    throw new RangeError(`probability columns (${proba.classes.join(', ')}) are not the classes (${classes.join(', ')})`);
  }
  if (rowsOf(proba) !== n) throw new RangeError(`truth has ${n} rows but probabilities have ${rowsOf(proba)}`);
  out.rocAuc = rocAuc(t, proba);
  out.logLoss = logLoss(t, proba);
  out.ece = expectedCalibrationError(t, proba);
  return out;
}
