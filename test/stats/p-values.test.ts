/**
 * The p-value machinery against SciPy: the regularized incomplete gamma
 * function (scipy.special.gammaincc / gammainc), the chi-squared tail
 * (chdtrc), ln Γ (gammaln), the normal tail (norm.sf), Pearson's chi-squared
 * test as Evidently calls scipy.stats.chisquare, and the two-proportion z-test
 * as Evidently's z_stattest.py computes it.  p-values to 1e-6 relative, down
 * to 1e-300; statistics to 1e-9 relative.
 */
import { gammaln } from 'simple-statistics';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  chiSquareTest,
  normalSurvival,
  regularizedGammaP,
  regularizedGammaQ,
  twoProportionZTest,
} from '../../stats/index.js';
import { loadReference, num, relativeError, type ArrayRef, type Fixtures, type Num } from './reference-fixtures.js';

interface TailsSection {
  gamma: { a: number; x: number; q: Num; p: Num }[];
  chi2: { df: number; x: number; sf: Num }[];
  lgamma: { a: number; lgamma: Num }[];
  normal: { z: number; sf: Num }[];
  ztests: { s1: number; n1: number; s2: number; n2: number; statistic: Num; pvalueEvidently: Num; pvalueSf: Num }[];
}

interface CategoricalSection {
  cases: { name: string; observed: ArrayRef; expected: ArrayRef; statistic: Num; pvalue: Num }[];
}

const STAT_RTOL = 1e-9;
const P_RTOL = 1e-6;
/** Below this scipy's own results are subnormal and lose relative precision. */
const SMALLEST_COMPARED = 1e-300;

/** p-values: 1e-6 relative down to 1e-300; below that both must be tiny. */
function expectPValue(actual: number, expected: number, label: string): void {
  if (Number.isNaN(expected)) {
    expect(actual, label).toBeNaN();
    return;
  }
  if (Math.abs(expected) < SMALLEST_COMPARED) {
    expect(Math.abs(actual), `${label}: ${actual} vs ${expected}`).toBeLessThan(1e-299);
    return;
  }
  expect(relativeError(actual, expected), `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(P_RTOL);
}

let tails: Fixtures<TailsSection>;
let categorical: Fixtures<CategoricalSection>;
beforeAll(async () => {
  [tails, categorical] = await Promise.all([
    loadReference<TailsSection>('tails'),
    loadReference<CategoricalSection>('categorical'),
  ]);
});

describe('incomplete gamma and distribution tails match SciPy', () => {
  it('regularizedGammaQ / regularizedGammaP = scipy.special.gammaincc / gammainc', () => {
    let tiny = 0;
    for (const g of tails.data.gamma) {
      const label = `a=${g.a} x=${g.x}`;
      expectPValue(regularizedGammaQ(g.a, g.x), num(g.q), `Q ${label}`);
      expectPValue(regularizedGammaP(g.a, g.x), num(g.p), `P ${label}`);
      if (num(g.q) > 0 && num(g.q) < 1e-100) tiny++;
    }
    expect(tiny, 'fixtures reach far into the tail').toBeGreaterThan(10);
  });

  it('chi-squared survival Q(df/2, x/2) = scipy.special.chdtrc, incl. p below 1e-250', () => {
    let tiny = 0;
    for (const c of tails.data.chi2) {
      expectPValue(regularizedGammaQ(c.df / 2, c.x / 2), num(c.sf), `df=${c.df} x=${c.x}`);
      if (num(c.sf) > SMALLEST_COMPARED && num(c.sf) < 1e-250) tiny++;
    }
    expect(tiny).toBeGreaterThan(0);
  });

  it("simple-statistics' gammaln (used for the prefactor) agrees with scipy.special.gammaln to 1e-13 (absolute below 1)", () => {
    for (const l of tails.data.lgamma) {
      const expected = num(l.lgamma);
      expect(Math.abs(gammaln(l.a) - expected), `a=${l.a}`).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(expected)));
    }
  });

  it('normalSurvival = scipy.stats.norm.sf from z = -40 to 40', () => {
    for (const n of tails.data.normal) expectPValue(normalSurvival(n.z), num(n.sf), `z=${n.z}`);
    expect(normalSurvival(Number.NaN)).toBeNaN();
  });

  it('edge cases follow Cephes/scipy', () => {
    expect(regularizedGammaQ(0, 1)).toBe(0);
    expect(regularizedGammaQ(0, 0)).toBeNaN();
    expect(regularizedGammaQ(2, 0)).toBe(1);
    expect(regularizedGammaQ(2, Infinity)).toBe(0);
    expect(regularizedGammaQ(-1, 1)).toBeNaN();
    expect(regularizedGammaQ(1, -1)).toBeNaN();
  });
});

describe('chiSquareTest = scipy.stats.chisquare(f_obs, f_exp)', () => {
  it('matches statistic (1e-9) and p-value (1e-6, down to 1e-300) on Evidently-style inputs', () => {
    const names = categorical.data.cases.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['new_category', 'vanished_category', 'huge_1000', 'large_shift_k2000']));
    for (const c of categorical.data.cases) {
      const observed = categorical.array(c.observed);
      const expected = categorical.array(c.expected);
      const r = chiSquareTest(observed, expected);
      expect(r.degreesOfFreedom, c.name).toBe(observed.length - 1);
      expect(relativeError(r.statistic, num(c.statistic)), `${c.name}: statistic ${r.statistic} vs ${c.statistic}`).toBeLessThanOrEqual(STAT_RTOL);
      expectPValue(r.pValue, num(c.pvalue), `${c.name}: p`);
    }
  });

  it('a new category (expected 0, observed > 0) gives an infinite statistic and p = 0', () => {
    const r = chiSquareTest([400, 350, 50], [500, 300, 0]);
    expect(r.statistic).toBe(Infinity);
    expect(r.pValue).toBe(0);
  });

  it('a single category has 0 degrees of freedom: p is NaN for statistic 0 (as scipy)', () => {
    const r = chiSquareTest([7], [7]);
    expect(r).toEqual({ statistic: 0, pValue: Number.NaN, degreesOfFreedom: 0 });
  });

  it('rejects mismatched totals, lengths and bad frequencies', () => {
    expect(() => chiSquareTest([10, 20], [10, 25])).toThrow(/observed total 30 and expected total 35 differ/);
    expect(() => chiSquareTest([10, 20], [30])).toThrow(/2 observed but 1 expected/);
    expect(() => chiSquareTest([], [])).toThrow(/no categories/);
    expect(() => chiSquareTest([10, -1], [5, 4])).toThrow(/observed frequency 1 is -1/);
    expect(() => chiSquareTest([10, 1], [5, Number.NaN])).toThrow(/expected frequency 1 is NaN/);
  });
});

describe("twoProportionZTest = Evidently's z_stattest", () => {
  it('statistic to 1e-9 relative; p-value to 1e-6 relative of 2·norm.sf(|z|) and within 1e-6·p + 1e-15 of Evidently', () => {
    let underflowed = 0;
    for (const z of tails.data.ztests) {
      const label = `${z.s1}/${z.n1} vs ${z.s2}/${z.n2}`;
      const r = twoProportionZTest(z.s1, z.n1, z.s2, z.n2);
      const statistic = num(z.statistic);
      if (Number.isNaN(statistic)) {
        expect(r.statistic, label).toBeNaN();
        expect(r.pValue, label).toBeNaN();
        continue;
      }
      expect(relativeError(r.statistic, statistic), `${label}: z ${r.statistic} vs ${statistic}`).toBeLessThanOrEqual(STAT_RTOL);
      expectPValue(r.pValue, num(z.pvalueSf), `${label}: p vs 2·sf`);
      const evidently = num(z.pvalueEvidently);
      expect(Math.abs(r.pValue - evidently), `${label}: p ${r.pValue} vs Evidently ${evidently}`).toBeLessThanOrEqual(1e-6 * Math.abs(evidently) + 1e-15);
      if (evidently === 0 && r.pValue > 0) underflowed++;
    }
    // Evidently's 2·(1 − cdf) cancels to 0 in the far tail; ours does not.
    expect(underflowed).toBeGreaterThan(0);
  });

  it('both samples all 0 (or all 1) give a NaN statistic and p-value', () => {
    expect(twoProportionZTest(0, 10, 0, 20).statistic).toBeNaN();
    expect(twoProportionZTest(10, 10, 20, 20).pValue).toBeNaN();
  });

  it('rejects impossible counts', () => {
    expect(() => twoProportionZTest(11, 10, 1, 2)).toThrow(/sample A successes must be an integer in \[0, 10\], got 11/);
    expect(() => twoProportionZTest(1, 10, 1, 0)).toThrow(/sample B size must be a positive integer, got 0/);
    expect(() => twoProportionZTest(1.5, 10, 1, 2)).toThrow(/sample A successes/);
  });
});
