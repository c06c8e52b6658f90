import { describe, expect, it } from 'vitest';
import { classificationMetrics } from '../../metrics/classification-metrics.js';
import { ESTIMATED_METRICS, estimatePerformance } from '../../monitoring/cbpe.js';
import { argmax, random } from './support.js';

describe('CBPE: the exact formulas', () => {
  it('binary: expected accuracy is the mean probability of the predicted class; precision/recall/F1 from expected TP, FP, FN', () => {
    // p(pos) = 0.9, 0.4, 0.7; predicted pos, neg, pos.
    const est = estimatePerformance(Int32Array.from([1, 0, 1]), { classes: ['n', 'p'], values: Float64Array.from([0.1, 0.9, 0.6, 0.4, 0.3, 0.7]) });
    // E[correct] = 0.9 + 0.6 + 0.7; pos: E[TP] = 1.6, E[FP] = 0.4, E[FN] = 0.4; neg: E[TP] = 0.6, E[FP] = 0.4, E[FN] = 0.4.
    const expected: Record<string, number> = {
      accuracy: 2.2 / 3,
      precision: 0.8,
      recall: 0.8,
      f1: 0.8,
      precisionMacro: 0.7,
      recallMacro: 0.7,
      f1Macro: 0.7,
      // Weighted by expected support: pos 2.0, neg 1.0.
      precisionWeighted: (0.8 * 2 + 0.6) / 3,
      recallWeighted: (0.8 * 2 + 0.6) / 3,
      f1Weighted: (0.8 * 2 + 0.6) / 3,
    };
    for (const m of ESTIMATED_METRICS) expect(est[m]!.value, m).toBeCloseTo(expected[m]!, 14);
  });

  it('multiclass: the same as the metrics of the expected confusion matrix E[M[t][ŷ]] = Σ p_i(t)·[ŷ_i = ŷ]', () => {
    const rng = random(5);
    const k = 4;
    const n = 50;
    const rows = Array.from({ length: n }, () => rng.probabilities(k));
    // Some predictions are not the argmax (a tuned decision rule): the estimate must use the predicted class's probability.
    const predicted = rows.map((p, i) => (i % 7 === 0 ? (argmax(p) + 1) % k : argmax(p)));
    const est = estimatePerformance(Int32Array.from(predicted), { classes: ['a', 'b', 'c', 'd'], values: Float64Array.from(rows.flat()) });
    const M = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    rows.forEach((p, i) => p.forEach((pt, t) => (M[t]![predicted[i]!]! += pt)));
    const per = [...Array(k).keys()].map((c) => {
      const tp = M[c]![c]!;
      const fp = M.reduce((s, row, t) => s + (t === c ? 0 : row[c]!), 0);
      const fn = M[c]!.reduce((s, v, j) => s + (j === c ? 0 : v), 0);
      return { precision: tp / (tp + fp), recall: tp / (tp + fn), f1: (2 * tp) / (2 * tp + fp + fn), support: tp + fn };
    });
    const mean = (f: (x: (typeof per)[number]) => number) => per.reduce((s, x) => s + f(x), 0) / k;
    const total = per.reduce((s, x) => s + x.support, 0);
    const weighted = (f: (x: (typeof per)[number]) => number) => per.reduce((s, x) => s + f(x) * x.support, 0) / total;
    expect(est.accuracy!.value).toBeCloseTo(M.reduce((s, row, c) => s + row[c]!, 0) / n, 14);
    expect(est.f1!.value).toBeCloseTo(mean((x) => x.f1), 14);
    expect(est.precisionMacro!.value).toBeCloseTo(mean((x) => x.precision), 14);
    expect(est.recallMacro!.value).toBeCloseTo(mean((x) => x.recall), 14);
    expect(est.f1Weighted!.value).toBeCloseTo(weighted((x) => x.f1), 14);
    expect(est.recallWeighted!.value).toBeCloseTo(weighted((x) => x.recall), 14);
  });

  it('no rows: null with a reason', () => {
    expect(estimatePerformance(new Int32Array(0), { classes: ['a', 'b'], values: new Float64Array(0) }).accuracy).toEqual({
      value: null,
      reason: 'no rows with probabilities',
    });
  });
});

/**
 * Labels drawn from the model's own probabilities (a perfectly calibrated
 * model): the estimate must sit within 4 standard deviations of the realised
 * metric, where the standard deviation is that of the realised metric over
 * 200 independent label draws for the same predictions (accuracy's is also
 * known exactly: √Σ p(1−p) / n). And the estimate must be within
 * 4·sd/√200 + 0.001 of the realised metric's mean over those draws — that is,
 * essentially unbiased. With miscalibrated probabilities the estimate must
 * miss by far more, or the tolerance would prove nothing.
 */
describe('CBPE on n = 20,000 rows whose labels are drawn from the probabilities', () => {
  const n = 20_000;
  const draws = 200;
  for (const [name, classes, spread] of [
    ['binary', ['0', '1'], 2],
    ['multiclass', ['a', 'b', 'c'], 1.5],
  ] as const) {
    it(`${name}: estimate ≈ realised within the stated tolerance`, () => {
      const rng = random(name.length * 101);
      const k = classes.length;
      const rows = Array.from({ length: n }, () => rng.probabilities(k, spread));
      const predicted = rows.map(argmax);
      const values = Float64Array.from(rows.flat());
      const est = estimatePerformance(Int32Array.from(predicted), { classes, values });
      const predictedLabels = predicted.map((j) => classes[j]!);
      const realised = Array.from({ length: draws }, () =>
        classificationMetrics({ truth: rows.map((p) => classes[rng.draw(p)]!), predicted: predictedLabels, classes }),
      );
      // Accuracy's spread is known in closed form.
      const accSd = Math.sqrt(rows.reduce((s, p, i) => s + p[predicted[i]!]! * (1 - p[predicted[i]!]!), 0)) / n;
      expect(Math.abs(est.accuracy!.value! - realised[0]!.accuracy!.value!)).toBeLessThanOrEqual(4 * accSd);
      for (const m of ESTIMATED_METRICS) {
        const xs = realised.map((r) => r[m]!.value!);
        const mean = xs.reduce((a, b) => a + b, 0) / draws;
        const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (draws - 1));
        expect(sd, m).toBeGreaterThan(0);
        expect(sd, m).toBeLessThan(0.02);
        expect(Math.abs(est[m]!.value! - xs[0]!), `${m}: one draw`).toBeLessThanOrEqual(4 * sd);
        expect(Math.abs(est[m]!.value! - mean), `${m}: mean of ${draws} draws`).toBeLessThanOrEqual((4 * sd) / Math.sqrt(draws) + 0.001);
      }
    });
  }

  it('a miscalibrated model (labels from sharpened probabilities) is missed by far more than the tolerance', () => {
    const rng = random(99);
    const classes = ['0', '1'];
    const rows = Array.from({ length: n }, () => rng.probabilities(2, 1));
    const predicted = rows.map(argmax);
    // The world is more certain than the model says: p ∝ p_model³.
    const sharpened = rows.map((p) => {
      const c = p.map((x) => x ** 3);
      const s = c[0]! + c[1]!;
      return c.map((x) => x / s);
    });
    const truth = sharpened.map((p) => classes[rng.draw(p)]!);
    const est = estimatePerformance(Int32Array.from(predicted), { classes, values: Float64Array.from(rows.flat()) });
    const realised = classificationMetrics({ truth, predicted: predicted.map((j) => classes[j]!), classes });
    const accSd = Math.sqrt(rows.reduce((s, p, i) => s + p[predicted[i]!]! * (1 - p[predicted[i]!]!), 0)) / n;
    expect(realised.accuracy!.value! - est.accuracy!.value!).toBeGreaterThan(10 * accSd);
  });
});
