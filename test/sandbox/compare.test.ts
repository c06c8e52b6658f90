import { describe, expect, it } from 'vitest';
import type { ModelOutputs } from '../../inference/onnx-model.js';
import { compareWithReference, selfInconsistency } from '../../sandbox/compare.js';
import { latencyFigures } from '../../sandbox/latency.js';

const classifier: ModelOutputs = { kind: 'labels', labels: ['no', 'yes'], classes: ['no', 'yes'], probabilities: Float32Array.from([0.8, 0.2, 0.3, 0.7]) };
const regressor: ModelOutputs = { kind: 'values', values: Float64Array.from([1.5, -2]) };

describe('served answers against in-process inference', () => {
  it('accepts an answer within the tolerance and reports the largest difference', () => {
    const r = compareWithReference(classifier, 1, { label: 'yes', probabilities: [0.3 + 4e-6, 0.7 - 4e-6] }, 1e-5);
    expect(r.mismatch).toBeNull();
    expect(r.diff).toBeGreaterThan(3e-6);
    expect(r.diff).toBeLessThan(1e-5);
  });

  it('names a probability beyond the tolerance, a different label, and a regression value off by more than the tolerance', () => {
    expect(compareWithReference(classifier, 0, { label: 'no', probabilities: [0.8001, 0.1999] }, 1e-5).mismatch).toMatch(/^probabilities \[0\.800100, 0\.199900\] vs \[0\.800000, 0\.200000\] in-process$/);
    expect(compareWithReference(classifier, 0, { label: 'yes', probabilities: [0.8, 0.2] }, 1e-5).mismatch).toBe('label "yes" vs "no" in-process');
    expect(compareWithReference(regressor, 1, { value: -2.001 }, 1e-5).mismatch).toBe('value -2.001 vs -2 in-process');
    expect(compareWithReference(regressor, 0, { value: 1.5 }, 0).mismatch).toBeNull();
  });

  it('treats a missing probability as the largest possible difference', () => {
    expect(compareWithReference(classifier, 0, { label: 'no', probabilities: [0.8] }, 1e-5).diff).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('answers judged on their own terms', () => {
  it('wants the label to be the most probable class, probabilities a distribution, values finite', () => {
    expect(selfInconsistency(['no', 'yes'], { label: 'yes', probabilities: [0.3, 0.7] }, 1e-5)).toBeNull();
    expect(selfInconsistency(['no', 'yes'], { label: 'no', probabilities: [0.5, 0.5] }, 1e-5)).toBeNull();
    expect(selfInconsistency(['no', 'yes'], { label: 'no', probabilities: [0.3, 0.7] }, 1e-5)).toBe('label "no" has probability 0.3000, but "yes" has 0.7000');
    expect(selfInconsistency(['no', 'yes'], { label: 'maybe', probabilities: [0.3, 0.7] }, 1e-5)).toMatch(/not one of the card's classes/);
    expect(selfInconsistency(['no', 'yes'], { label: 'yes', probabilities: [0.6, 0.7] }, 1e-5)).toMatch(/not a distribution/);
    expect(selfInconsistency(null, { value: 3 }, 1e-5)).toBeNull();
    expect(selfInconsistency(null, { value: Number.NaN }, 1e-5)).toMatch(/not a finite number/);
  });
});

describe('latency figures', () => {
  it('are nearest-rank percentiles of the samples, null without samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1).reverse();
    expect(latencyFigures(samples)).toEqual({ p50: 50, p95: 95, p99: 99, max: 100 });
    expect(latencyFigures([2.5])).toEqual({ p50: 2.5, p95: 2.5, p99: 2.5, max: 2.5 });
    expect(latencyFigures([])).toBeNull();
  });
});
