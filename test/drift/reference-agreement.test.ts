/**
 * The drift engine against Evidently 0.7.23 (same per-column methods, scores,
 * thresholds and verdicts, same data-set verdict) and against SciPy/NumPy
 * (each method's statistic and p-value on every fixture column). Fixtures and
 * reference results come from test/reference/drift_reference.py, generated
 * with a seeded RNG on every run; the engine reads the very files Evidently
 * read, through the real columnar reader.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { DriftConfig, P_VALUE_METHODS, type DriftConfigInput, type DriftMethod } from '../../config/drift.js';
import type { ColumnSet } from '../../dataset/columns.js';
import { computeDriftReport } from '../../drift/index.js';
import { DriftReport, type ColumnDrift } from '../../drift/report.js';
import { decode, generateReferenceFixtures, readFixture, type ReferenceFixture } from './reference-fixtures.js';

/** Evidently's display names ↔ driftloop's method names, one to one. */
const METHOD_OF_EVIDENTLY: Record<string, DriftMethod> = {
  'K-S p_value': 'ks',
  'chi-square p_value': 'chisquare',
  'Z-test p_value': 'ztest',
  'Wasserstein distance (normed)': 'wasserstein',
  'Jensen-Shannon distance': 'jensenshannon',
  PSI: 'psi',
};

const STAT_RTOL = 1e-9;
const P_RTOL = 1e-6;
/** Only for the z-test: Evidently's 2·(1 − Φ(|z|)) cancels to 0 in the far tail (stats/z-test.ts). */
const Z_TAIL_ATOL = 1e-15;

function expectClose(actual: number | null, expected: number, rtol: number, what: string, atol = 0): void {
  expect(actual, `${what}: got null, expected ${expected}`).not.toBeNull();
  const a = actual!;
  expect(Number.isFinite(a), `${what}: ${a} is not finite`).toBe(true);
  expect(Math.abs(a - expected), `${what}: ${a} vs ${expected}`).toBeLessThanOrEqual(rtol * Math.abs(expected) + atol);
}

const fixtures: ReferenceFixture[] = generateReferenceFixtures();
const data = new Map<string, { reference: ColumnSet; current: ColumnSet }>();

beforeAll(async () => {
  for (const fixture of fixtures) data.set(fixture.name, await readFixture(fixture));
});

function report(fixture: ReferenceFixture, config: DriftConfigInput, columns?: readonly string[]): DriftReport {
  const { reference, current } = data.get(fixture.name)!;
  const result = computeDriftReport(reference, current, { config: DriftConfig.parse(config), ...(columns ? { columns } : {}) });
  return DriftReport.parse(result); // the stable JSON contract holds for every report
}

function byName(result: DriftReport): Map<string, ColumnDrift> {
  return new Map(result.columns.map((c) => [c.name, c]));
}

describe('fixtures', () => {
  it('cover small and large references, both file formats, the 1000/1001 boundary and every method', () => {
    const names = fixtures.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['small_csv', 'small_parquet', 'large_parquet', 'large_csv', 'boundary_1000', 'boundary_1001']));
    const methods = new Set(fixtures.flatMap((f) => f.runs.flatMap((r) => Object.values(r.evidently.columns).map((c) => c.method))));
    expect([...methods].sort()).toEqual(Object.keys(METHOD_OF_EVIDENTLY).sort());
    expect(fixtures.some((f) => f.runs.some((r) => r.evidently.dataset.drifted))).toBe(true);
    expect(fixtures.some((f) => f.runs.some((r) => !r.evidently.dataset.drifted))).toBe(true);
  });
});

describe.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, fixture) => {
  it('counts missing values (NaN, None, ±inf, blank) and non-missing rows per window as pandas does', () => {
    const result = byName(report(fixture, {}));
    for (const column of fixture.columns) {
      const ours = result.get(column.name)!;
      expect(ours.missing, column.name).toEqual(column.missing);
      expect(ours.rows, column.name).toEqual(column.rows);
    }
  });

  describe.each(fixture.runs.map((r) => [r.name, r] as const))('Evidently run "%s"', (_run, run) => {
    it('picks the same method and threshold, with the same score and verdict per column, and the same data-set verdict', () => {
      const result = report(fixture, run.config, run.columns ?? undefined);
      const ours = byName(result);
      const expected = Object.entries(run.evidently.columns);
      expect(result.columns.map((c) => c.name).sort()).toEqual(expected.map(([name]) => name).sort());
      for (const [name, ev] of expected) {
        const column = ours.get(name)!;
        const what = `${fixture.name}/${run.name}/${name}`;
        const method = METHOD_OF_EVIDENTLY[ev.method];
        expect(method, `${what}: unknown Evidently method ${ev.method}`).toBeDefined();
        expect(column.method, what).toBe(method);
        expect(column.status, what).toBe('tested');
        expect(column.threshold, what).toBe(ev.threshold);
        const score = decode(ev.score)!;
        const ourScore = P_VALUE_METHODS.has(method!) ? column.pValue : column.statistic;
        if (Number.isNaN(score)) {
          // scipy's chisquare on a single category: p is NaN, Evidently calls it "no drift".
          expect(column.reason, what).toMatch(/^constant/);
          expect(ourScore, what).toBe(1);
        } else if (method === 'ztest') {
          expectClose(ourScore, score, P_RTOL, what, Z_TAIL_ATOL);
        } else {
          expectClose(ourScore, score, P_VALUE_METHODS.has(method!) ? P_RTOL : STAT_RTOL, what);
        }
        expect(column.drifted, `${what}: verdict (score ${ourScore} vs ${score}, threshold ${ev.threshold})`).toBe(ev.drifted);
      }
      expect(result.dataset.driftedColumns).toBe(run.evidently.dataset.count);
      expect(result.dataset.testedColumns).toBe(expected.length);
      expectClose(result.dataset.share, run.evidently.dataset.share, 1e-15, 'dataset share');
      expect(result.dataset.drifted).toBe(run.evidently.dataset.drifted);
    });
  });

  it('matches SciPy/NumPy for every method on every column', () => {
    const methods = new Set(fixture.columns.flatMap((c) => Object.keys(c.scipy)));
    let compared = 0;
    for (const key of methods) {
      const method = (key === 'psi_quantile' ? 'psi' : key) as DriftMethod;
      const config: DriftConfigInput = key === 'psi_quantile' ? { method, psi: { strategy: 'quantile', bins: 10 } } : { method };
      const columns = fixture.columns.filter((c) => c.scipy[key]).map((c) => c.name);
      const ours = byName(report(fixture, config, columns));
      for (const column of fixture.columns) {
        const reference = column.scipy[key];
        if (!reference) continue;
        const got = ours.get(column.name)!;
        const what = `${fixture.name}/${key}/${column.name}`;
        expect(got.method, what).toBe(method);
        const statistic = decode(reference.statistic);
        const pValue = decode(reference.pValue);
        if (got.reason?.startsWith('constant')) {
          // One value in both windows: scipy's D/W/JS/PSI are 0, its χ² p-value NaN, Evidently's z-test p 1.
          expect(got.statistic, what).toBe(0);
          if (statistic !== null && !Number.isNaN(statistic)) expect(statistic, what).toBe(0);
          expect(got.pValue, what).toBe(P_VALUE_METHODS.has(method) ? 1 : null);
          if (pValue !== null && !Number.isNaN(pValue)) expect(pValue, what).toBe(1);
          compared++;
          continue;
        }
        if (statistic === Infinity) {
          expect(got.statistic, `${what}: infinite χ² is reported as null`).toBeNull();
          expect(got.reason, what).toMatch(/infinite/);
        } else {
          expectClose(got.statistic, statistic!, STAT_RTOL, `${what} statistic`);
        }
        if (pValue === null) expect(got.pValue, what).toBeNull();
        else if (method === 'ztest') expectClose(got.pValue, pValue, P_RTOL, `${what} p-value`, Z_TAIL_ATOL);
        else if (pValue === 0) expect(got.pValue, what).toBe(0);
        else expectClose(got.pValue, pValue, P_RTOL, `${what} p-value`);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(fixture.columns.length);
  });
});
