/**
 * Wasserstein distance, standard deviation, pairwise sums, distinct counts,
 * Evidently-style binning (Sturges / integer bins over the pooled sample) and
 * the distances over those bins (Jensen–Shannon, PSI with the empty-bin fill),
 * against NumPy/SciPy on generated samples (test/reference/stats_reference.py).
 */
import { beforeAll, describe, expect, it } from 'vitest';

import {
  countDistinct,
  countDistinctUnsorted,
  fillEmptyShares,
  histogramBinEdges,
  histogramCounts,
  jensenShannonDistance,
  pairwiseSum,
  populationStabilityIndex,
  populationStandardDeviation,
  sortFloat64,
  wassersteinDistance,
} from '../../stats/index.js';
import { loadReference, num, relativeError, type ArrayRef, type Fixtures, type Num } from './reference-fixtures.js';

interface Binning {
  bins: 'sturges' | number;
  edges: ArrayRef;
  countsU: ArrayRef;
  countsV: ArrayRef;
  jensenshannon: Num;
  jensenshannonBase2: Num;
  filledU?: ArrayRef;
  filledV?: ArrayRef;
  psi?: Num;
}

interface SampleCase {
  name: string;
  u: ArrayRef;
  v: ArrayRef;
  wasserstein: Num;
  stdU: Num;
  sumU: Num;
  distinctU: number;
  distinctV: number;
  binnings: Binning[];
}

interface SamplesSection {
  cases: SampleCase[];
  sums: { values: ArrayRef; sum: Num }[];
}

const STAT_RTOL = 1e-9;

let ref: Fixtures<SamplesSection>;
beforeAll(async () => {
  ref = await loadReference<SamplesSection>('samples');
});

function extent(a: Float64Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const x of a) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return [min, max];
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function expectBitIdentical(actual: Float64Array, expected: Float64Array, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) expect.fail(`${label}[${i}]: ${actual[i]} !== ${expected[i]}`);
  }
}

describe('statistics on numeric samples match NumPy/SciPy', () => {
  it('has the generated cases', () => {
    const names = ref.data.cases.map((c) => c.name);
    expect(names).toContain('large_200k');
    expect(names).toContain('cauchy');
    expect(names).toContain('tiny_1_1');
    expect(ref.data.cases.length).toBeGreaterThan(40);
  });

  it('wassersteinDistance = scipy.stats.wasserstein_distance to 1e-9 relative', () => {
    for (const c of ref.data.cases) {
      const u = sortFloat64(ref.array(c.u));
      const v = sortFloat64(ref.array(c.v));
      const d = wassersteinDistance(u, v);
      expect(relativeError(d, num(c.wasserstein)), `${c.name}: ${d} vs ${c.wasserstein}`).toBeLessThanOrEqual(STAT_RTOL);
      // Symmetric.
      expect(relativeError(wassersteinDistance(v, u), d), `${c.name}: symmetry`).toBeLessThanOrEqual(1e-15);
    }
  });

  it('wassersteinDistance rejects an empty sample', () => {
    expect(() => wassersteinDistance(new Float64Array(0), Float64Array.of(1))).toThrow(/first sample is empty/);
    expect(() => wassersteinDistance(Float64Array.of(1), new Float64Array(0))).toThrow(/second sample is empty/);
  });

  it('populationStandardDeviation = numpy.std to 1e-9 relative', () => {
    for (const c of ref.data.cases) {
      const s = populationStandardDeviation(ref.array(c.u));
      expect(relativeError(s, num(c.stdU)), `${c.name}: ${s} vs ${c.stdU}`).toBeLessThanOrEqual(STAT_RTOL);
    }
    expect(populationStandardDeviation(new Float64Array(0))).toBeNaN();
  });

  it('pairwiseSum = numpy.sum bit for bit (numpy summation order)', () => {
    for (const s of ref.data.sums) {
      const values = ref.array(s.values);
      expect(pairwiseSum(values), `n=${values.length}`).toBe(num(s.sum));
    }
    for (const c of ref.data.cases) {
      expect(pairwiseSum(ref.array(c.u)), c.name).toBe(num(c.sumU));
    }
  });

  it('countDistinct / countDistinctUnsorted = numpy.unique sizes (-0 and +0 are one value), capped', () => {
    for (const c of ref.data.cases) {
      for (const [values, expected] of [
        [ref.array(c.u), c.distinctU],
        [ref.array(c.v), c.distinctV],
      ] as const) {
        const sorted = sortFloat64(values);
        expect(countDistinct(sorted), c.name).toBe(expected);
        expect(countDistinctUnsorted(values, Infinity), c.name).toBe(expected);
        for (const cap of [0, 1, 2, 5, 20]) {
          const capped = Math.min(expected, cap + 1);
          expect(countDistinct(sorted, cap), `${c.name} cap ${cap}`).toBe(capped);
          expect(countDistinctUnsorted(values, cap), `${c.name} cap ${cap}`).toBe(capped);
        }
      }
    }
    expect(countDistinct(new Float64Array(0))).toBe(0);
    expect(countDistinctUnsorted(new Float64Array(0), 5)).toBe(0);
  });

  it('histogramBinEdges over the pooled sample is bit-identical to numpy.histogram_bin_edges; histogramCounts equals numpy.histogram', () => {
    for (const c of ref.data.cases) {
      const u = ref.array(c.u);
      const v = ref.array(c.v);
      const [min, max] = extent(concat(u, v));
      for (const b of c.binnings) {
        const label = `${c.name} bins=${b.bins}`;
        const edges = histogramBinEdges(min, max, u.length + v.length, b.bins);
        expectBitIdentical(edges, ref.array(b.edges), `${label} edges`);
        expect(Array.from(histogramCounts(u, edges)), `${label} counts u`).toEqual(Array.from(ref.array(b.countsU)));
        expect(Array.from(histogramCounts(v, edges)), `${label} counts v`).toEqual(Array.from(ref.array(b.countsV)));
      }
    }
  });

  it('jensenShannonDistance = scipy.spatial.distance.jensenshannon (base e and base 2) to 1e-9 relative', () => {
    let compared = 0;
    for (const c of ref.data.cases) {
      const nu = ref.array(c.u).length;
      const nv = ref.array(c.v).length;
      for (const b of c.binnings) {
        const label = `${c.name} bins=${b.bins}`;
        const su = ref.array(b.countsU).map((x) => x / nu);
        const sv = ref.array(b.countsV).map((x) => x / nv);
        const js = jensenShannonDistance(su, sv);
        const js2 = jensenShannonDistance(su, sv, 2);
        expect(relativeError(js, num(b.jensenshannon)), `${label}: ${js} vs ${b.jensenshannon}`).toBeLessThanOrEqual(STAT_RTOL);
        expect(relativeError(js2, num(b.jensenshannonBase2)), `${label} base 2: ${js2} vs ${b.jensenshannonBase2}`).toBeLessThanOrEqual(STAT_RTOL);
        // Counts instead of shares: jensenshannon normalises first.
        expect(relativeError(jensenShannonDistance(ref.array(b.countsU), ref.array(b.countsV)), js), `${label} counts`).toBeLessThanOrEqual(1e-12);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });

  it("fillEmptyShares = Evidently's empty-bin fill exactly; populationStabilityIndex = Evidently's PSI to 1e-9 relative", () => {
    let withEmptyBins = 0;
    for (const c of ref.data.cases) {
      const nu = ref.array(c.u).length;
      const nv = ref.array(c.v).length;
      for (const b of c.binnings) {
        if (b.psi === undefined) continue;
        const label = `${c.name} bins=${b.bins}`;
        const su = ref.array(b.countsU).map((x) => x / nu);
        const sv = ref.array(b.countsV).map((x) => x / nv);
        if (su.includes(0) || sv.includes(0)) withEmptyBins++;
        const fu = fillEmptyShares(su);
        const fv = fillEmptyShares(sv);
        expectBitIdentical(fu, ref.array(b.filledU!), `${label} filled u`);
        expectBitIdentical(fv, ref.array(b.filledV!), `${label} filled v`);
        const psi = populationStabilityIndex(fu, fv);
        expect(relativeError(psi, num(b.psi)), `${label}: ${psi} vs ${b.psi}`).toBeLessThanOrEqual(STAT_RTOL);
      }
    }
    // The fill rule is exercised, both of its branches.
    expect(withEmptyBins).toBeGreaterThan(10);
  });

  it('fillEmptyShares: both epsilon branches, input untouched, all-empty rejected', () => {
    const coarse = Float64Array.of(0.5, 0, 0.5);
    expect(Array.from(fillEmptyShares(coarse))).toEqual([0.5, 0.0001, 0.5]);
    expect(Array.from(coarse)).toEqual([0.5, 0, 0.5]);
    const fine = Float64Array.of(0.99995, 0.00005, 0);
    expect(fillEmptyShares(fine)[2]).toBe(0.00005 / 1e6);
    expect(() => fillEmptyShares(Float64Array.of(0, 0))).toThrow(/every share is zero/);
  });

  it('populationStabilityIndex and jensenShannonDistance: identical inputs give 0; mismatched lengths are rejected', () => {
    const p = Float64Array.of(0.2, 0.3, 0.5);
    expect(populationStabilityIndex(p, p)).toBe(0);
    expect(jensenShannonDistance(p, p)).toBe(0);
    expect(() => populationStabilityIndex(p, Float64Array.of(1))).toThrow(/3 reference but 1 current bins/);
    expect(() => jensenShannonDistance(p, [1, 2])).toThrow(/p has 3 entries, q has 2/);
    expect(() => jensenShannonDistance(p, [1, -1, 2])).toThrow(/q\[1\] is -1/);
    expect(() => jensenShannonDistance(p, p, 1)).toThrow(/base must be/);
  });
});
