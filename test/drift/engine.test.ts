/**
 * The drift engine's rules on small, hand-shaped data sets (built by seeded
 * generators): the default method choice at its boundaries, missing values,
 * insufficient data, constant columns, must-watch, override precedence, the
 * chart distributions and bad input. Agreement of the numbers with Evidently
 * and SciPy is reference-agreement.test.ts.
 */
import { describe, expect, it } from 'vitest';

import { DriftConfig, type DriftConfigInput } from '../../config/drift.js';
import type { ColumnSet } from '../../dataset/columns.js';
import { computeDriftReport, type DriftOptions } from '../../drift/index.js';
import { compareCodePoints } from '../../drift/category-order.js';
import { referenceQuantileEdges } from '../../drift/quantile-bins.js';
import { DriftReport, type ColumnDrift } from '../../drift/report.js';
import { sortedHistogramCounts } from '../../drift/sorted-histogram.js';
import { ConfigError, DataError } from '../../errors/index.js';
import { histogramBinEdges, histogramCounts } from '../../stats/index.js';
import { categorical, columnSet, numeric, random } from './columns.js';

function run(reference: ColumnSet, current: ColumnSet, config: DriftConfigInput = {}, options: Omit<DriftOptions, 'config'> = {}): DriftReport {
  return DriftReport.parse(computeDriftReport(reference, current, { config: DriftConfig.parse(config), ...options }));
}

function only(reference: ColumnSet, current: ColumnSet, config: DriftConfigInput = {}): ColumnDrift {
  const report = run(reference, current, config);
  expect(report.columns).toHaveLength(1);
  return report.columns[0]!;
}

/** Runs `fn` and returns what it threw (failing the test if it did not throw). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

function expectError(fn: () => unknown, type: typeof DataError | typeof ConfigError, message: string): void {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(type);
  expect((err as Error).message).toBe(message);
}

/** n values cycling through `distinct` values (0, 1, …). */
function cycling(n: number, distinct: number, offset = 0): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => ((i + offset) % distinct) + 0.5);
}

describe('default method choice (Evidently registry.py _get_default_stattest)', () => {
  const rnd = random(1);
  it('uses KS up to 1000 reference rows and the normed Wasserstein distance from 1001', () => {
    const current = columnSet({ x: numeric(rnd.normals(500)) });
    expect(only(columnSet({ x: numeric(rnd.normals(1000)) }), current).method).toBe('ks');
    expect(only(columnSet({ x: numeric(rnd.normals(1001)) }), current).method).toBe('wasserstein');
  });

  it('counts only non-missing reference rows toward the 1000', () => {
    const values = Float64Array.from([...rnd.normals(1000), NaN, NaN, Infinity, -Infinity]);
    const column = only(columnSet({ x: numeric(values) }), columnSet({ x: numeric(rnd.normals(300)) }));
    expect(column.method).toBe('ks');
    expect(column.rows.reference).toBe(1000);
    expect(column.missing.reference).toBe(4);
  });

  it.each([
    [2, 'ztest', 'jensenshannon'],
    [3, 'chisquare', 'jensenshannon'],
    [5, 'chisquare', 'jensenshannon'],
    [6, 'ks', 'wasserstein'],
  ] as const)('numeric with %i distinct values: %s (small reference), %s (large)', (distinct, small, large) => {
    const current = columnSet({ x: numeric(cycling(400, distinct, 1)) });
    expect(only(columnSet({ x: numeric(cycling(1000, distinct)) }), current).method).toBe(small);
    expect(only(columnSet({ x: numeric(cycling(1001, distinct)) }), current).method).toBe(large);
  });

  it('counts distinct values over both windows pooled', () => {
    // Two values in each window, three together: chi-squared, not the z-test.
    const reference = columnSet({ x: numeric(cycling(200, 2)) });
    const current = columnSet({ x: numeric(cycling(200, 2).map((v) => v + 1)) });
    expect(only(reference, current).method).toBe('chisquare');
  });

  it('treats -0 and +0 as one value (as pandas does)', () => {
    const reference = columnSet({ x: numeric(Array.from({ length: 100 }, (_, i) => (i % 2 ? -0 : 0))) });
    const current = columnSet({ x: numeric(Array.from({ length: 100 }, (_, i) => (i % 3 ? 1 : -0))) });
    const column = only(reference, current);
    expect(column.method).toBe('ztest');
    expect(column.distribution).toMatchObject({ kind: 'categories', categories: ['0', '1'] });
  });

  it.each([
    [2, 'ztest', 'jensenshannon'],
    [3, 'chisquare', 'jensenshannon'],
    [12, 'chisquare', 'jensenshannon'],
  ] as const)('categorical with %i categories: %s (small reference), %s (large)', (distinct, small, large) => {
    const labels = Array.from({ length: distinct }, (_, k) => `v${k}`);
    const cat = (n: number): ReturnType<typeof categorical> => categorical(Array.from({ length: n }, (_, i) => labels[i % distinct]!));
    expect(only(columnSet({ c: cat(1000) }), columnSet({ c: cat(300) })).method).toBe(small);
    expect(only(columnSet({ c: cat(1001) }), columnSet({ c: cat(300) })).method).toBe(large);
  });

  it('ignores dictionary entries no row uses', () => {
    const reference = categorical(Array.from({ length: 100 }, (_, i) => (i % 2 ? 'a' : 'b')));
    reference.categories.push('unused', 'also unused');
    expect(only(columnSet({ c: reference }), columnSet({ c: categorical(Array.from({ length: 100 }, (_, i) => (i % 3 ? 'a' : 'b'))) })).method).toBe('ztest');
  });
});

describe('missing values', () => {
  const rnd = random(2);
  it('are counted per window (NaN and ±Infinity in numeric, code -1 in categorical) and left out of rows', () => {
    const reference = columnSet({
      x: numeric([...rnd.normals(95), NaN, NaN, Infinity, -Infinity, NaN]),
      c: categorical([...rnd.pick(['a', 'b', 'c'], 97), null, null, null]),
    });
    const current = columnSet({
      x: numeric([...rnd.normals(60), ...new Array<number>(40).fill(NaN)]),
      c: categorical([...rnd.pick(['a', 'b', 'c'], 100)]),
    });
    const [x, c] = run(reference, current).columns;
    expect(x).toMatchObject({ rows: { reference: 95, current: 60 }, missing: { reference: 5, current: 40 }, missingJump: true });
    expect(c).toMatchObject({ rows: { reference: 97, current: 100 }, missing: { reference: 3, current: 0 }, missingJump: false });
  });

  it('flag a jump of exactly missingShareIncrease (0.3 − 0.2 is 0.0999… in binary)', () => {
    const reference = columnSet({ x: numeric([...rnd.normals(80), ...new Array<number>(20).fill(NaN)]) });
    const current = columnSet({ x: numeric([...rnd.normals(70), ...new Array<number>(30).fill(NaN)]) });
    expect(only(reference, current, { missingShareIncrease: 0.1 }).missingJump).toBe(true);
    expect(only(reference, current, { missingShareIncrease: 0.11 }).missingJump).toBe(false);
  });

  it('make a column drifted only when missingCountsAsDrift is set', () => {
    const values = rnd.normals(200);
    const reference = columnSet({ x: numeric(values) });
    const current = columnSet({ x: numeric(values.map((v, i) => (i % 2 ? NaN : v))) });
    const quiet = only(reference, current);
    expect(quiet).toMatchObject({ missingJump: true, drifted: false, status: 'tested' });
    const loud = run(reference, current, { missingCountsAsDrift: true });
    expect(loud.columns[0]).toMatchObject({ missingJump: true, drifted: true });
    expect(loud.dataset).toMatchObject({ drifted: true, driftedColumns: 1, testedColumns: 1 });
  });
});

describe('insufficient data', () => {
  const rnd = random(3);
  it('below minRows non-missing rows in either window: no statistic, no verdict, not counted as tested', () => {
    const reference = columnSet({ few: numeric(rnd.normals(100)), ok: numeric(rnd.normals(100)) });
    const current = columnSet({ few: numeric([...rnd.normals(29), ...new Array<number>(71).fill(NaN)]), ok: numeric(rnd.normals(100, 3)) });
    const report = run(reference, current);
    const few = report.columns[0]!;
    expect(few).toMatchObject({ status: 'insufficient-data', statistic: null, pValue: null, drifted: false, method: 'ks', threshold: 0.05 });
    expect(few.reason).toBe('the current window has 29 non-missing values, fewer than minRows (30)');
    expect(report.dataset).toMatchObject({ testedColumns: 1, driftedColumns: 1, share: 1, drifted: true });
    expect(run(reference, current, { minRows: 29 }).columns[0]!.status).toBe('tested');
  });

  it('an empty window (all missing, or no rows at all) is named in the reason; the method is unknown without data', () => {
    const reference = columnSet({ x: numeric(rnd.normals(50)), c: categorical(rnd.pick(['a', 'b'], 50)) });
    const current = columnSet({ x: numeric(new Array<number>(50).fill(NaN)), c: categorical(new Array<null>(50).fill(null)) });
    for (const column of run(reference, current).columns) {
      expect(column).toMatchObject({ status: 'insufficient-data', method: null, threshold: null, statistic: null, pValue: null, drifted: false });
      expect(column.reason).toBe('the current window has no non-missing values');
    }
    const empty = run(columnSet({ x: numeric([]) }), columnSet({ x: numeric([]) }));
    expect(empty.columns[0]!.reason).toBe('the reference window has no non-missing values');
    expect(empty.columns[0]!.distribution).toBeUndefined();
    expect(empty.dataset).toMatchObject({ drifted: false, share: 0, testedColumns: 0, rows: { reference: 0, current: 0 } });
  });

  it('a forced method is still reported on an insufficient column', () => {
    const column = only(columnSet({ x: numeric(rnd.normals(10)) }), columnSet({ x: numeric(rnd.normals(10)) }), { method: 'psi' });
    expect(column).toMatchObject({ status: 'insufficient-data', method: 'psi', threshold: 0.1 });
  });

  it('a column that lost all its values drifts when missingCountsAsDrift is set, and then counts as tested', () => {
    const reference = columnSet({ x: numeric(rnd.normals(100)) });
    const current = columnSet({ x: numeric(new Array<number>(100).fill(NaN)) });
    const report = run(reference, current, { missingCountsAsDrift: true });
    expect(report.columns[0]).toMatchObject({ status: 'insufficient-data', missingJump: true, drifted: true });
    expect(report.dataset).toMatchObject({ drifted: true, testedColumns: 1, driftedColumns: 1 });
  });
});

describe('constant columns', () => {
  it('one value, equal in both windows, is tested: p = 1 or distance 0, reason "constant"', () => {
    const ref = columnSet({ x: numeric(new Array<number>(300).fill(7)), c: categorical(new Array<string>(300).fill('k')) });
    const cur = columnSet({ x: numeric(new Array<number>(200).fill(7)), c: categorical(new Array<string>(200).fill('k')) });
    for (const method of [undefined, 'chisquare', 'ztest', 'psi', 'jensenshannon'] as const) {
      for (const column of run(ref, cur, method ? { method } : {}).columns) {
        expect(column.status, `${method}`).toBe('tested');
        expect(column.reason).toMatch(/^constant/);
        expect(column.statistic).toBe(0);
        expect(column.pValue).toBe(column.method === 'ztest' || column.method === 'chisquare' ? 1 : null);
        expect(column.drifted).toBe(false);
      }
    }
    expect(run(ref, cur, { method: 'ks' }, { columns: ['x'] }).columns[0]).toMatchObject({ statistic: 0, pValue: 1, drifted: false });
  });

  it('a constant reference with other values in the current window is an ordinary test', () => {
    const column = only(columnSet({ x: numeric(new Array<number>(300).fill(7)) }), columnSet({ x: numeric(cycling(300, 2)) }));
    expect(column).toMatchObject({ method: 'chisquare', status: 'tested', pValue: 0, drifted: true });
    expect(column.reason).not.toMatch(/^constant/);
  });
});

describe('chi-squared with categories the reference never saw', () => {
  it('reports p = 0 and a null statistic (χ² is infinite; JSON has no infinity)', () => {
    const column = only(columnSet({ c: categorical(random(4).pick(['a', 'b', 'c'], 300)) }), columnSet({ c: categorical(random(5).pick(['a', 'b', 'c', 'new'], 300)) }));
    expect(column).toMatchObject({ method: 'chisquare', statistic: null, pValue: 0, drifted: true, status: 'tested' });
    expect(column.reason).toMatch(/infinite/);
  });
});

describe('data-set verdict and must-watch', () => {
  const rnd = random(6);
  const stable = (): Float64Array => rnd.normals(400);
  const reference = columnSet({ a: numeric(stable()), b: numeric(stable()), c: numeric(stable()), d: numeric(stable()) });
  const current = columnSet({ a: numeric(rnd.normals(400, 1)), b: numeric(stable()), c: numeric(stable()), d: numeric(stable()) });

  it('drifts when the drifted share reaches config.share', () => {
    expect(run(reference, current).dataset).toMatchObject({ drifted: false, driftedColumns: 1, testedColumns: 4, share: 0.25, threshold: 0.5 });
    expect(run(reference, current, { share: 0.25 }).dataset.drifted).toBe(true);
  });

  it('drifts on its own when a must-watch column drifts', () => {
    const report = run(reference, current, { features: { a: { mustWatch: true }, b: { mustWatch: true } } });
    expect(report.dataset).toMatchObject({ drifted: true, share: 0.25, mustWatchDrifted: ['a'] });
    expect(report.columns.map((c) => c.mustWatch)).toEqual([true, true, false, false]);
  });

  it('a must-watch feature absent from the data is an error, naming it', () => {
    const config = DriftConfig.parse({ features: { gone: { mustWatch: true } } });
    expect(() => computeDriftReport(reference, current, { config })).toThrow(DataError);
    expect(() => computeDriftReport(reference, current, { config })).toThrow('must-watch feature "gone" is not in either window');
    // An explicit column list is the caller's choice.
    expect(computeDriftReport(reference, current, { config, columns: ['a'] }).columns).toHaveLength(1);
  });
});

describe('overrides', () => {
  const rnd = random(7);
  const reference = columnSet({ x: numeric(rnd.normals(500)), y: numeric(rnd.normals(500)), c: categorical(rnd.pick(['a', 'b', 'c'], 500)) });
  const current = columnSet({ x: numeric(rnd.normals(500, 0.1)), y: numeric(rnd.normals(500)), c: categorical(rnd.pick(['a', 'b', 'c'], 500)) });
  const methods = (config: DriftConfigInput): Record<string, [string | null, number | null]> =>
    Object.fromEntries(run(reference, current, config).columns.map((c) => [c.name, [c.method, c.threshold]]));

  it('method: features[name] over config.method over the default choice', () => {
    expect(methods({})).toEqual({ x: ['ks', 0.05], y: ['ks', 0.05], c: ['chisquare', 0.05] });
    expect(methods({ method: 'psi' })).toEqual({ x: ['psi', 0.1], y: ['psi', 0.1], c: ['psi', 0.1] });
    expect(methods({ method: 'psi', features: { x: { method: 'wasserstein' }, c: { method: 'ztest' } } })).toEqual({
      x: ['wasserstein', 0.1],
      y: ['psi', 0.1],
      c: ['ztest', 0.05],
    });
  });

  it('threshold: features[name] over config.threshold over config.pValue (p-value methods only) over the default', () => {
    expect(methods({ pValue: 0.01 })).toEqual({ x: ['ks', 0.01], y: ['ks', 0.01], c: ['chisquare', 0.01] });
    expect(methods({ pValue: 0.01, features: { y: { method: 'jensenshannon' } } }).y).toEqual(['jensenshannon', 0.1]);
    expect(methods({ pValue: 0.01, threshold: 0.2 })).toEqual({ x: ['ks', 0.2], y: ['ks', 0.2], c: ['chisquare', 0.2] });
    expect(methods({ threshold: 0.2, features: { x: { threshold: 0.3 } } })).toEqual({ x: ['ks', 0.3], y: ['ks', 0.2], c: ['chisquare', 0.2] });
  });

  it('the threshold decides the verdict with each method’s own comparison', () => {
    const x = run(reference, current, { features: { x: { method: 'wasserstein' } } }).columns[0]!;
    expect(x.statistic).toBeGreaterThan(0);
    expect(run(reference, current, { features: { x: { method: 'wasserstein', threshold: x.statistic! } } }).columns[0]!.drifted).toBe(true); // ≥
    const ks = run(reference, current).columns[0]!;
    expect(run(reference, current, { features: { x: { threshold: ks.pValue! } } }).columns[0]!.drifted).toBe(true); // ks: p ≤ threshold
    const c = run(reference, current).columns[2]!;
    expect(run(reference, current, { features: { c: { threshold: c.pValue! } } }).columns[2]!.drifted).toBe(false); // chisquare: p < threshold
  });

  it('ks or wasserstein on a categorical column is a ConfigError naming the column and the setting', () => {
    const config = DriftConfig.parse({ method: 'ks' });
    expect(() => computeDriftReport(reference, current, { config })).toThrow(ConfigError);
    expect(() => computeDriftReport(reference, current, { config })).toThrow(/column "c" is categorical: ks needs ordered/);
    const perFeature = DriftConfig.parse({ features: { c: { method: 'wasserstein' } } });
    expect(() => computeDriftReport(reference, current, { config: perFeature })).toThrow(/\(features\.c\.method\)/);
  });

  it('PSI with reference-quantile bins is ~0 on identical windows and grows with a shift', () => {
    const same = only(columnSet({ x: reference.columns.get('x')! }), columnSet({ x: reference.columns.get('x')! }), { method: 'psi', psi: { strategy: 'quantile', bins: 10 } });
    expect(same.statistic).toBe(0);
    const shifted = columnSet({ x: numeric(rnd.normals(500, 1)) });
    expect(only(columnSet({ x: reference.columns.get('x')! }), shifted, { method: 'psi', psi: { strategy: 'quantile', bins: 10 } }).drifted).toBe(true);
  });
});

describe('columns and bad input', () => {
  const rnd = random(8);
  const reference = columnSet({ a: numeric(rnd.normals(100)), b: categorical(rnd.pick(['x', 'y'], 100)), only_ref: numeric(rnd.normals(100)) });
  const current = columnSet({ b: categorical(rnd.pick(['x', 'y'], 80)), a: numeric(rnd.normals(80)), only_cur: numeric(rnd.normals(80)) });
  const config = DriftConfig.parse({});

  it('default: the columns both windows have, in the reference order; an explicit list sets subset and order', () => {
    expect(computeDriftReport(reference, current, { config }).columns.map((c) => c.name)).toEqual(['a', 'b']);
    expect(computeDriftReport(reference, current, { config, columns: ['b', 'a'] }).columns.map((c) => c.name)).toEqual(['b', 'a']);
  });

  it('a listed column missing from a window is a DataError naming the column and the window', () => {
    expectError(() => computeDriftReport(reference, current, { config, columns: ['only_ref'] }), DataError, 'column "only_ref" is not in the current window');
    expectError(() => computeDriftReport(reference, current, { config, columns: ['only_cur'] }), DataError, 'column "only_cur" is not in the reference window');
    expect(() => computeDriftReport(reference, current, { config, columns: ['nope'] })).toThrow(/"nope" is not in both the reference and the current window/);
    expect(() => computeDriftReport(reference, current, { config, columns: ['a', 'a'] })).toThrow(ConfigError);
  });

  it('a column of different kinds in the two windows is a DataError', () => {
    const cur = columnSet({ a: categorical(rnd.pick(['1', '2'], 80)) });
    expectError(() => computeDriftReport(reference, cur, { config, columns: ['a'] }), DataError, 'column "a" is numeric in the reference window but categorical in the current window');
  });

  it('a category code outside the dictionary is a DataError naming column, window and row', () => {
    const bad = categorical(['x', 'y', 'x']);
    bad.codes[2] = 5;
    expectError(
      () => computeDriftReport(columnSet({ b: bad }), columnSet({ b: categorical(['x', 'y', 'x']) }), { config }),
      DataError,
      'column "b" in the reference window: code 5 at row 3 is not a category index (0..1) or -1',
    );
  });

  it('never modifies its input', () => {
    const values = Float64Array.from([...rnd.normals(200), NaN, 3, NaN]);
    const ref = columnSet({ x: numeric(values) });
    const before = values.slice();
    computeDriftReport(ref, columnSet({ x: numeric(rnd.normals(203)) }), { config: DriftConfig.parse({ method: 'psi', psi: { strategy: 'quantile', bins: 10 } }) });
    computeDriftReport(ref, columnSet({ x: numeric(rnd.normals(203)) }), { config });
    expect(ref.columns.get('x')).toEqual(numeric(before));
  });
});

describe('distributions for the charts', () => {
  const rnd = random(9);
  it('numeric: ≤ 30 equal-width bins over the pooled range (Sturges when fewer), shares of non-missing rows', () => {
    const reference = columnSet({ x: numeric([...rnd.normals(5000), NaN]) });
    const current = columnSet({ x: numeric(rnd.normals(3000, 0.5)) });
    const d = only(reference, current).distribution!;
    expect(d.kind).toBe('histogram');
    if (d.kind !== 'histogram') return;
    // Sturges over 8000 pooled values: ceil(log2(8000)) + 1 = 14 bins.
    expect(d.edges).toHaveLength(15);
    expect(d.reference.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(d.current.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    // Sturges would give 22 bins for 2M pooled values, 31 beyond 2^30: the cap is 30.
    const big = only(columnSet({ x: numeric(rnd.normals(1_000_000)) }), columnSet({ x: numeric(rnd.normals(1_000_000)) })).distribution!;
    expect(big.kind === 'histogram' && big.edges.length - 1).toBe(22);
  });

  it('categorical and low-cardinality numeric: the 20 most frequent values and `other`', () => {
    const labels = Array.from({ length: 25 }, (_, k) => `k${String(k).padStart(2, '0')}`);
    // k00 is the most frequent, k24 the least.
    const skewed = (n: number): string[] => Array.from({ length: n }, (_, i) => labels[Math.floor(25 * (i / n) ** 2)]!);
    const d = only(columnSet({ c: categorical(skewed(1000)) }), columnSet({ c: categorical(skewed(800)) })).distribution!;
    expect(d.kind).toBe('categories');
    if (d.kind !== 'categories') return;
    expect(d.categories).toEqual(labels.slice(0, 20));
    const sum = (xs: number[]): number => xs.reduce((s, v) => s + v, 0);
    expect(sum(d.reference) + d.other.reference).toBeCloseTo(1, 12);
    expect(d.other.current).toBeGreaterThan(0);
    const numericBars = only(columnSet({ x: numeric(cycling(300, 4)) }), columnSet({ x: numeric(cycling(300, 4)) })).distribution!;
    expect(numericBars).toMatchObject({ kind: 'categories', categories: ['0.5', '1.5', '2.5', '3.5'] });
  });

  it('are left out with distributions: false', () => {
    const report = computeDriftReport(columnSet({ x: numeric(rnd.normals(100)) }), columnSet({ x: numeric(rnd.normals(100)) }), {
      config: DriftConfig.parse({}),
      distributions: false,
    });
    expect(report.columns[0]!.distribution).toBeUndefined();
  });
});

describe('building blocks', () => {
  it('sortedHistogramCounts = histogramCounts (numpy membership), values on the edges included', () => {
    const rnd = random(10);
    for (const n of [1, 7, 1000]) {
      const values = Float64Array.from({ length: n }, () => Math.round(rnd.normal() * 8) / 4).sort();
      const edges = histogramBinEdges(values[0]!, values[n - 1]!, n, 'sturges');
      const withEdges = Float64Array.from([...values, ...edges]).sort();
      expect(Array.from(sortedHistogramCounts(withEdges, edges))).toEqual(Array.from(histogramCounts(withEdges, edges)));
      const narrow = histogramBinEdges(-0.5, 0.25, n, 5);
      expect(Array.from(sortedHistogramCounts(withEdges, narrow))).toEqual(Array.from(histogramCounts(withEdges, narrow)));
    }
  });

  it('reference quantile edges collapse ties', () => {
    expect(Array.from(referenceQuantileEdges(Float64Array.from([1, 1, 1, 1, 2, 3]), 4))).toEqual([1, 1.75]);
  });

  it('orders category labels by code point, as Python sorts str', () => {
    const labels = ['\u{1F600}', '\uFF21', 'b', 'a', 'ab', '', '\uE000', '\uD7FF'];
    expect([...labels].sort(compareCodePoints)).toEqual(['', 'a', 'ab', 'b', '\uD7FF', '\uE000', '\uFF21', '\u{1F600}']);
  });
});
