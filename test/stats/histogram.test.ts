/**
 * histogramBinEdges must reproduce numpy.histogram_bin_edges bit for bit
 * (Sturges and integer bins; constant, empty, tiny, subnormal and huge
 * ranges; sizes around powers of two) and histogramCounts must put every value
 * — including values exactly on, one ulp below and one ulp above each edge —
 * in numpy.histogram's bin.
 */
import { beforeAll, describe, expect, it } from 'vitest';

import { histogramBinEdges, histogramCounts } from '../../stats/index.js';
import { loadReference, type ArrayRef, type Fixtures } from './reference-fixtures.js';

interface EdgeCase {
  min: number;
  max: number;
  count: number;
  bins: 'sturges' | number;
  edges?: ArrayRef;
  error?: string;
}

interface EdgesSection {
  cases: EdgeCase[];
  counts: { edges: ArrayRef; values: ArrayRef; counts: ArrayRef }[];
}

let ref: Fixtures<EdgesSection>;
beforeAll(async () => {
  ref = await loadReference<EdgesSection>('edges');
});

describe('histogram edges and counts match NumPy exactly', () => {
  it('histogramBinEdges is bit-identical to numpy.histogram_bin_edges, and fails where numpy fails', () => {
    let compared = 0;
    let errors = 0;
    for (const c of ref.data.cases) {
      const label = `min=${c.min} max=${c.max} count=${c.count} bins=${c.bins}`;
      if (c.error !== undefined) {
        expect(c.error, label).toMatch(/Too many bins/);
        expect(() => histogramBinEdges(c.min, c.max, c.count, c.bins), label).toThrow(/too many bins for data range/);
        errors++;
        continue;
      }
      const actual = histogramBinEdges(c.min, c.max, c.count, c.bins);
      const expected = ref.array(c.edges!);
      expect(actual.length, `${label}: number of edges`).toBe(expected.length);
      for (let i = 0; i < expected.length; i++) {
        if (!Object.is(actual[i], expected[i])) expect.fail(`${label}: edge ${i}: ${actual[i]} !== ${expected[i]}`);
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(5000);
    expect(errors).toBeGreaterThan(0);
  });

  it('histogramCounts equals numpy.histogram for values on, just below and just above every edge', () => {
    for (const c of ref.data.counts) {
      const edges = ref.array(c.edges);
      const counts = histogramCounts(ref.array(c.values), edges);
      expect(Array.from(counts), `${edges.length - 1} bins from ${edges[0]}`).toEqual(Array.from(ref.array(c.counts)));
    }
  });

  it('histogramCounts ignores NaN and out-of-range values and closes only the last bin on the right', () => {
    const edges = histogramBinEdges(0, 3, 10, 3); // [0, 1, 2, 3]
    expect(Array.from(edges)).toEqual([0, 1, 2, 3]);
    const counts = histogramCounts(Float64Array.of(-1, 0, 0.5, 1, 2, 2.999, 3, 3.0001, Number.NaN), edges);
    expect(Array.from(counts)).toEqual([2, 1, 3]);
  });

  it('rejects bad arguments with messages naming them', () => {
    expect(() => histogramBinEdges(0, Infinity, 5, 10)).toThrow(/range \[0, Infinity\] is not finite/);
    expect(() => histogramBinEdges(2, 1, 5, 10)).toThrow(/min 2 is larger than max 1/);
    expect(() => histogramBinEdges(0, 1, -1, 10)).toThrow(/count must be a non-negative integer/);
    expect(() => histogramBinEdges(0, 1, 5, 0)).toThrow(/bins must be a positive integer or 'sturges'/);
    expect(() => histogramCounts(Float64Array.of(1), Float64Array.of(0))).toThrow(/at least 2 edges/);
    expect(() => histogramCounts(Float64Array.of(1), Float64Array.of(0, 2, 1))).toThrow(/increase monotonically \(edge 2\)/);
  });
});
