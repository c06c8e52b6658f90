import type { ModelOutputs } from '../inference/onnx-model.js';
import { classificationMetrics, regressionMetrics, type MetricValues } from '../metrics/index.js';

/** Every metric of metrics/ for one model's outputs on the holdout rows (probability metrics from its class probabilities). */
export function holdoutMetrics(truth: readonly string[], out: ModelOutputs): MetricValues {
  if (out.kind === 'values') return regressionMetrics(Float64Array.from(truth, Number), out.values);
  return classificationMetrics({
    truth,
    predicted: out.labels,
    classes: out.classes,
    probabilities: { classes: out.classes, values: Float64Array.from(out.probabilities) },
  });
}
