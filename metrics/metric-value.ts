/**
 * A metric's value, or why it has none. Ill-defined cases (no rows, ROC AUC
 * with one class present, a label the model does not know) are an explicit
 * `null` with a reason, never NaN: NaN does not survive JSON and says nothing
 * about why.
 */
export type MetricValue = { value: number; reason?: undefined } | { value: null; reason: string };

/** Metric name → value, e.g. { accuracy: { value: 0.9 }, rocAuc: { value: null, reason: '…' } }. */
export type MetricValues = Record<string, MetricValue>;

export function measured(value: number): MetricValue {
  // A non-finite result is a bug or an input error upstream; refuse to pass it off as a value.
  if (!Number.isFinite(value)) throw new RangeError(`metric computed a non-finite value (${value})`);
  return { value };
}

export function undefinedMetric(reason: string): MetricValue {
  return { value: null, reason };
}
