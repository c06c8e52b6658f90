import type { MetricName } from '../config/pipeline.js';
import { score, type Predictions } from '../metrics/index.js';
import { improvement } from './direction.js';

/**
 * The statistic the bootstrap resamples: the primary metric of the candidate
 * minus the champion's on the same resampled rows, oriented so that positive
 * means the candidate is better (for rmse/mae the champion's minus the candidate's).
 */
export function primaryDifference(metric: MetricName, truth: readonly string[], candidate: Predictions, champion: Predictions): (indices: Uint32Array) => number {
  const pick = pickerFor(truth.length);
  return (indices) => {
    const t = pick(truth, indices);
    return improvement(metric, score(metric, t, subset(candidate, indices, pick)), score(metric, t, subset(champion, indices, pick)));
  };
}

function subset(p: Predictions, indices: Uint32Array, pick: <T>(xs: readonly T[], idx: Uint32Array) => T[]): Predictions {
  if (p.kind === 'labels') return { kind: 'labels', labels: pick(p.labels, indices), classes: p.classes };
  const values = new Float64Array(indices.length);
  for (let i = 0; i < indices.length; i++) values[i] = p.values[indices[i]!]!;
  return { kind: 'values', values };
}

function pickerFor(rows: number) {
  return <T>(xs: readonly T[], indices: Uint32Array): T[] => {
    if (xs.length !== rows) throw new RangeError(`expected ${rows} rows, got ${xs.length}`);
    const out = new Array<T>(indices.length);
    for (let i = 0; i < indices.length; i++) out[i] = xs[indices[i]!]!;
    return out;
  };
}
