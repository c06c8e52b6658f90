import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trainerPython } from '../../config/paths.js';
import {
  accuracy,
  binaryRocAuc,
  CLASSIFICATION_METRICS,
  classificationMetrics,
  encodeLabels,
  expectedCalibrationError,
  f1,
  mae,
  mape,
  r2,
  REGRESSION_METRICS,
  regressionMetrics,
  rmse,
  type MetricValue,
  type ProbabilityMatrix,
} from '../../metrics/index.js';
import { binOf } from '../../metrics/calibration-error.js';

const SCRIPT = fileURLToPath(new URL('../reference/metrics_reference.py', import.meta.url));
type Expected = Record<string, number | null>;
type ClassificationCase = {
  kind: 'classification';
  name: string;
  classes: string[];
  truth: string[];
  predicted: string[];
  probabilities: number[][] | null;
  expected: Expected;
};
type RegressionCase = { kind: 'regression'; name: string; truth: number[]; predicted: number[]; expected: Expected };
const cases: (ClassificationCase | RegressionCase)[] = JSON.parse(execFileSync(trainerPython(), [SCRIPT], { encoding: 'utf8' }));
const classification = cases.filter((c): c is ClassificationCase => c.kind === 'classification');
const regression = cases.filter((c): c is RegressionCase => c.kind === 'regression');

/** scikit-learn's value to 1e-9 relative; where scikit-learn has none (nan or an error), null with a reason. */
function expectAgreement(actual: MetricValue | undefined, expected: number | null, what: string): void {
  expect(actual, what).toBeDefined();
  if (expected === null) {
    expect(actual!.value, what).toBeNull();
    expect(actual!.reason, what).toMatch(/\w/);
    return;
  }
  expect(actual!.value, what).not.toBeNull();
  const err = Math.abs(actual!.value! - expected);
  expect(err, `${what}: ${actual!.value} vs scikit-learn ${expected}`).toBeLessThanOrEqual(1e-9 * Math.abs(expected));
}

function matrix(rows: number[][], classes: string[]): ProbabilityMatrix {
  return { classes, values: Float64Array.from(rows.flat()) };
}

describe('classification metrics agree with scikit-learn (and ECE with its numpy definition)', () => {
  it('the reference covers every case the suite relies on', () => {
    expect(classification.map((c) => c.name)).toEqual([
      'binary',
      'binary-ties-and-extremes',
      'binary-one-class',
      'multiclass',
      'multiclass-never-predicted',
      'multiclass-absent-class',
      'unknown-label',
      'labels-only',
    ]);
    // The cases exercise what their names say.
    const byName = new Map(classification.map((c) => [c.name, c]));
    expect(byName.get('binary-one-class')!.expected.rocAuc).toBeNull();
    expect(byName.get('multiclass-absent-class')!.expected.rocAuc).toBeNull();
    expect(byName.get('unknown-label')!.expected.logLoss).toBeNull();
    expect(byName.get('multiclass-never-predicted')!.predicted).not.toContain('cherry');
    expect(byName.get('binary-ties-and-extremes')!.probabilities!.some((r) => r[1] === 0 || r[1] === 1)).toBe(true);
  });

  it.each(classification.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const got = classificationMetrics({
      truth: c.truth,
      predicted: c.predicted,
      classes: c.classes,
      probabilities: c.probabilities && matrix(c.probabilities, c.classes),
    });
    expect(Object.keys(got).sort()).toEqual([...CLASSIFICATION_METRICS].sort());
    for (const m of CLASSIFICATION_METRICS) expectAgreement(got[m], c.expected[m]!, `${c.name} ${m}`);
  });

  it('the original accuracy and f1 exports still give the same figures', () => {
    for (const c of classification) {
      expect(accuracy(c.truth, c.predicted)).toBeCloseTo(c.expected.accuracy!, 12);
      expect(f1(c.truth, c.predicted, c.classes)).toBeCloseTo(c.expected.f1!, 12);
    }
  });

  it('null metrics say why', () => {
    const empty = classificationMetrics({ truth: [], predicted: [], classes: ['0', '1'] });
    for (const m of CLASSIFICATION_METRICS) expect(empty[m]).toEqual({ value: null, reason: 'no labelled rows' });
    const oneClass = classification.find((c) => c.name === 'binary-one-class')!;
    const got = classificationMetrics({ ...oneClass, probabilities: matrix(oneClass.probabilities!, oneClass.classes) });
    expect(got.rocAuc).toEqual({ value: null, reason: 'only positive rows: ROC AUC needs both' });
    const absent = classification.find((c) => c.name === 'multiclass-absent-class')!;
    expect(classificationMetrics({ ...absent, probabilities: matrix(absent.probabilities!, absent.classes) }).rocAuc!.reason).toBe(
      'class "z": only negative rows: ROC AUC needs both',
    );
    const noProba = classificationMetrics({ truth: ['0'], predicted: ['0'], classes: ['0', '1'], probabilitiesMissing: 'no probabilities were logged' });
    expect(noProba.logLoss).toEqual({ value: null, reason: 'no probabilities were logged' });
  });
});

describe('ROC AUC and ECE from their definitions', () => {
  it('ROC AUC is the share of (positive, negative) pairs ranked right, ties counting half', () => {
    // Brute force over all pairs, on scores with many ties.
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const n = 300;
    const scores = Float64Array.from({ length: n }, () => Math.round(rand() * 10) / 10);
    const positive = Uint8Array.from(scores, (s) => (rand() < s ? 1 : 0));
    let right = 0;
    let pairs = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (!positive[i] || positive[j]) continue;
        pairs++;
        right += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
      }
    }
    expect(binaryRocAuc(positive, scores).value).toBeCloseTo(right / pairs, 14);
  });

  it('ECE bins are (m/10, (m+1)/10]: a confidence on an edge belongs to the lower bin', () => {
    expect([0, 0.05, 0.1, 0.1000001, 0.3, 0.7, 0.9, 1, 1.0000001].map((c) => binOf(c, 10))).toEqual([0, 0, 0, 1, 2, 6, 8, 9, 9]);
    // Two rows at confidence 0.8, one right: |0.5 − 0.8| weighted 2/3; one row at 0.6, right: |1 − 0.6| weighted 1/3.
    const p = matrix([[0.8, 0.2], [0.2, 0.8], [0.4, 0.6]], ['a', 'b']);
    const ece = expectedCalibrationError(encodeLabels(['a', 'a', 'b'], ['a', 'b']), p).value!;
    expect(ece).toBeCloseTo((2 / 3) * 0.3 + (1 / 3) * 0.4, 14);
  });
});

describe('regression metrics agree with scikit-learn', () => {
  it.each(regression.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const y = Float64Array.from(c.truth);
    const yhat = Float64Array.from(c.predicted);
    const got = regressionMetrics(y, yhat);
    expect(Object.keys(got).sort()).toEqual([...REGRESSION_METRICS].sort());
    for (const m of REGRESSION_METRICS) expectAgreement(got[m], c.expected[m]!, `${c.name} ${m}`);
    expectAgreement({ value: rmse(y, yhat) }, c.expected.rmse!, 'rmse()');
    expectAgreement({ value: mae(y, yhat) }, c.expected.mae!, 'mae()');
    expectAgreement({ value: mape(y, yhat) }, c.expected.mape!, 'mape()');
    expectAgreement({ value: r2(y, yhat) }, c.expected.r2!, 'r2()');
  });

  it('no rows: every metric null; one row: R² null', () => {
    expect(regressionMetrics([], []).rmse).toEqual({ value: null, reason: 'no labelled rows' });
    const one = regressionMetrics([1], [2]);
    expect(one.mae).toEqual({ value: 1 });
    expect(one.r2).toEqual({ value: null, reason: 'R² needs at least two rows' });
  });

  it('refuses mismatched, empty or non-finite inputs', () => {
    expect(() => accuracy(['a'], [])).toThrow(/1 rows but predictions have 0/);
    expect(() => rmse([], [])).toThrow(/no rows/);
    expect(() => regressionMetrics([1, Number.NaN], [1, 2])).toThrow(/truth row 1 is NaN/);
    expect(() => classificationMetrics({ truth: ['a'], predicted: ['a'], classes: ['a'] })).toThrow(/at least two classes/);
  });
});
