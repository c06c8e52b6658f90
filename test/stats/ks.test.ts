/**
 * ksTwoSample vs scipy.stats.ks_2samp(x, y, alternative="two-sided", method="auto").
 *
 * Fixtures come from test/reference/ks_reference.py, run with the project venv
 * (scipy is installed there as a dependency of scikit-learn).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it, expect } from 'vitest';

import { ksTwoSample, ksTwoSampleSorted, sortFloat64, type KsResult } from '../../stats/index.js';
import { kstwoSf } from '../../stats/kolmogorov.js';

interface KsFixture {
  name: string;
  x: number[];
  y: number[];
  statistic: number;
  pvalue: number;
  method: 'exact' | 'asymp';
}

interface KstwoFixture {
  n: number;
  x: number;
  sf: number;
}

const PYTHON = fileURLToPath(new URL('../../.venv/bin/python', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../reference/ks_reference.py', import.meta.url));

function runReference<T>(args: string[]): T {
  const out = execFileSync(PYTHON, [SCRIPT, ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return JSON.parse(out) as T;
}

const STAT_RTOL = 1e-9;
const P_ATOL = 1e-6;
const P_RTOL = 1e-6;

function expectProbClose(actual: number, expected: number, what: string): void {
  expect(Number.isFinite(actual), `${what}: ${actual} is not finite`).toBe(true);
  const abs = Math.abs(actual - expected);
  expect(abs, `${what}: |${actual} - ${expected}|`).toBeLessThanOrEqual(P_ATOL);
  if (expected > 1e-300) {
    expect(abs / expected, `${what}: relative error vs ${expected}`).toBeLessThanOrEqual(P_RTOL);
  }
}

// Generated at collection time so that each scipy case is its own test.
const fixtures = runReference<KsFixture[]>([]);
const kstwoGrid = runReference<KstwoFixture[]>(['--kstwo-grid']);

describe('ksTwoSample matches scipy.stats.ks_2samp', () => {
  it('has a representative fixture set', () => {
    expect(fixtures.length).toBeGreaterThan(100);
    const methods = new Set(fixtures.map((f) => f.method));
    expect(methods).toEqual(new Set(['exact', 'asymp']));
    // scipy's exact->asymptotic fallback is covered
    expect(fixtures.some((f) => f.method === 'asymp' && Math.max(f.x.length, f.y.length) <= 10000)).toBe(
      true,
    );
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    const r: KsResult = ksTwoSample(f.x, f.y);
    expect(r.n1).toBe(f.x.length);
    expect(r.n2).toBe(f.y.length);
    expect(r.method).toBe(f.method);
    const statErr = Math.abs(r.statistic - f.statistic);
    expect(statErr).toBeLessThanOrEqual(STAT_RTOL * Math.abs(f.statistic));
    expectProbClose(r.pValue, f.pvalue, 'pValue');
  });

  it('accepts Float64Array and number[] alike, without mutating the inputs', () => {
    const f = fixtures.find((c) => c.name === 'medium_500_700')!;
    const xs = Float64Array.from(f.x);
    const ys = f.y.slice();
    const r1 = ksTwoSample(xs, ys);
    const r2 = ksTwoSample(f.x, Float64Array.from(f.y));
    expect(r1).toEqual(r2);
    expect(Array.from(xs)).toEqual(f.x);
    expect(ys).toEqual(f.y);
  });

  it('ksTwoSampleSorted on pre-sorted samples gives the same result as ksTwoSample', () => {
    for (const f of fixtures) {
      const sorted = ksTwoSampleSorted(sortFloat64(Float64Array.from(f.x)), sortFloat64(Float64Array.from(f.y)));
      expect(sorted, f.name).toEqual(ksTwoSample(f.x, f.y));
    }
    expect(() => ksTwoSampleSorted(new Float64Array(0), Float64Array.of(1))).toThrow(/reference sample is empty/);
  });

  it('is symmetric in its two arguments', () => {
    for (const name of ['unequal_7_900', 'ties_rounded', 'large_20000_15000', 'fallback_interleaved_5']) {
      const f = fixtures.find((c) => c.name === name)!;
      const a = ksTwoSample(f.x, f.y);
      const b = ksTwoSample(f.y, f.x);
      expect(b.statistic).toBe(a.statistic);
      expect(b.pValue).toBe(a.pValue);
      expect(b.method).toBe(a.method);
      expect([b.n1, b.n2]).toEqual([a.n2, a.n1]);
    }
  });

  it('handles infinities and signed zeros as ordinary values', () => {
    // (JSON cannot carry infinities, so this one is checked against a value
    // computed once with scipy: ks_2samp -> statistic 0.25, pvalue 1.0.)
    // |F1 - F2| is 1/4 at -inf, 1 and 3, and 0 at the tied zeros (-0 === 0).
    const r = ksTwoSample([-Infinity, -0, 1, Infinity], [0, 0, 2, 3]);
    expect(r.statistic).toBe(0.25);
    expect(r.pValue).toBe(1);
    expect(r.method).toBe('exact');
  });
});

describe('kstwo.sf (asymptotic p-value distribution) matches scipy.stats.kstwo.sf', () => {
  it('covers all algorithm regions', () => {
    expect(kstwoGrid.length).toBeGreaterThan(300);
  });

  it('agrees on every grid point', () => {
    const failures: string[] = [];
    for (const g of kstwoGrid) {
      const sf = kstwoSf(g.x, g.n);
      const abs = Math.abs(sf - g.sf);
      const rel = g.sf > 1e-300 ? abs / g.sf : 0;
      if (!(abs <= P_ATOL && rel <= P_RTOL)) {
        failures.push(`n=${g.n} x=${g.x}: got ${sf}, scipy ${g.sf}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('reproduces rv_continuous support handling', () => {
    expect(kstwoSf(0.5 / 10, 10)).toBe(1); // x <= 0.5/n
    expect(kstwoSf(1, 10)).toBe(0);
    expect(kstwoSf(1.5, 10)).toBe(0);
    expect(kstwoSf(0.3, 0)).toBeNaN(); // n must be an integer >= 1
    expect(kstwoSf(0.3, 2.5)).toBeNaN();
  });
});

describe('ksTwoSample input validation', () => {
  it('rejects empty samples', () => {
    expect(() => ksTwoSample([], [1, 2])).toThrow(RangeError);
    expect(() => ksTwoSample([], [1, 2])).toThrow(/reference sample is empty/);
    expect(() => ksTwoSample([1, 2], new Float64Array(0))).toThrow(/current sample is empty/);
  });

  it('rejects NaN values, naming the sample and index', () => {
    expect(() => ksTwoSample([1, Number.NaN, 3], [1, 2])).toThrow(RangeError);
    expect(() => ksTwoSample([1, Number.NaN, 3], [1, 2])).toThrow(/reference sample contains NaN at index 1/);
    expect(() => ksTwoSample([1, 2], Float64Array.from([0, 1, Number.NaN]))).toThrow(
      /current sample contains NaN at index 2/,
    );
  });
});

describe('ksTwoSample performance', () => {
  it('handles 1e6 vs 1e6 samples quickly', () => {
    // Deterministic pseudo-normal data (sum of uniforms from an LCG).
    let seed = 12345;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 4294967296;
    };
    const gen = (n: number, shift: number): Float64Array => {
      const a = new Float64Array(n);
      for (let i = 0; i < n; i++) a[i] = rnd() + rnd() + rnd() - 1.5 + shift;
      return a;
    };
    const x = gen(1_000_000, 0);
    const y = gen(1_000_000, 0.002);
    ksTwoSample(x.subarray(0, 1000), y.subarray(0, 1000)); // warm up
    const t0 = performance.now();
    const r = ksTwoSample(x, y);
    const ms = performance.now() - t0;
    expect(r.method).toBe('asymp');
    expect(r.pValue).toBeGreaterThanOrEqual(0);
    expect(r.pValue).toBeLessThanOrEqual(1);
    // Target is well under 500 ms on an idle machine; the bound leaves room
    // for a loaded CI runner.
    expect(ms).toBeLessThan(1500);
  });
});
