import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trainerPython } from '../../config/paths.js';
import { accuracy, f1, mae, r2, rmse } from '../../metrics/index.js';

const SCRIPT = fileURLToPath(new URL('../reference/metrics_reference.py', import.meta.url));
type Case = { kind: string; name: string; classes?: string[]; truth: (string | number)[]; predicted: (string | number)[] } & Record<string, number>;
const cases: Case[] = JSON.parse(execFileSync(trainerPython(), [SCRIPT], { encoding: 'utf8' }));

describe('metrics agree with scikit-learn', () => {
  it.each(cases.filter((c) => c.kind === 'classification').map((c) => [c.name, c] as const))('%s classification', (_, c) => {
    const truth = c.truth.map(String);
    const predicted = c.predicted.map(String);
    expect(accuracy(truth, predicted)).toBeCloseTo(c.accuracy!, 12);
    expect(f1(truth, predicted, c.classes!)).toBeCloseTo(c.f1!, 12);
  });

  it('regression', () => {
    const c = cases.find((x) => x.kind === 'regression')!;
    const y = Float64Array.from(c.truth as number[]);
    const yhat = Float64Array.from(c.predicted as number[]);
    expect(rmse(y, yhat)).toBeCloseTo(c.rmse!, 10);
    expect(mae(y, yhat)).toBeCloseTo(c.mae!, 10);
    expect(r2(y, yhat)).toBeCloseTo(c.r2!, 10);
  });

  it('refuses mismatched or empty inputs', () => {
    expect(() => accuracy(['a'], [])).toThrow(/1 rows but predictions have 0/);
    expect(() => rmse([], [])).toThrow(/no rows/);
  });
});
