import { regularizedGammaQ } from './incomplete-gamma.js';
import { pairwiseSum } from './pairwise-sum.js';

export interface ChiSquareResult {
  /** Pearson's statistic Σ (o − e)² / e. */
  statistic: number;
  /** Upper tail of χ²(k − 1) at the statistic. */
  pValue: number;
  /** k − 1, k = number of categories. */
  degreesOfFreedom: number;
}

/**
 * Pearson's chi-squared goodness-of-fit test, `scipy.stats.chisquare(f_obs,
 * f_exp)` with ddof = 0 (scipy/stats/_stats_py.py `_power_divergence`,
 * lambda_ = 1).  Evidently's categorical drift test calls it with the current
 * counts as `f_obs` and the reference counts scaled to the current total as
 * `f_exp`.
 *
 * - statistic = Σ (o − e)² / e, summed in numpy's order; a category with e = 0
 *   and o > 0 makes it +∞ (p = 0), e = 0 and o = 0 makes it NaN (p NaN) — as
 *   scipy, which does not drop empty categories.
 * - p = χ²_{k−1}.sf(statistic) = Q((k − 1) / 2, statistic / 2) (Cephes
 *   `chdtrc`).
 * - k = 1 (degreesOfFreedom 0): scipy's Q(0, x) is NaN for a statistic of 0 and
 *   0 for any positive statistic (which only rounding produces here); both are
 *   returned as scipy does — callers should treat a single category as "no
 *   test", not as a verdict.
 * - like scipy (sum_check), the observed and expected totals must agree to a
 *   relative 1.49e-8 (√ε); otherwise the frequencies are not comparable.
 *
 * @throws RangeError on length mismatch, no categories, negative or
 *   non-finite frequencies, or totals that disagree.
 */
export function chiSquareTest(observed: ArrayLike<number>, expected: ArrayLike<number>): ChiSquareResult {
  const k = observed.length;
  if (expected.length !== k) {
    throw new RangeError(`chiSquareTest: ${k} observed but ${expected.length} expected frequencies`);
  }
  if (k === 0) throw new RangeError('chiSquareTest: no categories');
  for (let i = 0; i < k; i++) {
    const o = observed[i]!;
    const e = expected[i]!;
    if (!(o >= 0 && o < Infinity)) {
      throw new RangeError(`chiSquareTest: observed frequency ${i} is ${o}; must be finite and >= 0`);
    }
    if (!(e >= 0 && e < Infinity)) {
      throw new RangeError(`chiSquareTest: expected frequency ${i} is ${e}; must be finite and >= 0`);
    }
  }
  const observedTotal = pairwiseSum(observed);
  const expectedTotal = pairwiseSum(expected);
  const relativeDifference = Math.abs(observedTotal - expectedTotal) / Math.min(observedTotal, expectedTotal);
  if (relativeDifference > Math.sqrt(Number.EPSILON)) {
    throw new RangeError(
      `chiSquareTest: observed total ${observedTotal} and expected total ${expectedTotal} differ by a relative ${relativeDifference}; scale the expected frequencies to the observed total`,
    );
  }
  const terms = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const diff = observed[i]! - expected[i]!;
    terms[i] = (diff * diff) / expected[i]!;
  }
  const statistic = pairwiseSum(terms);
  const degreesOfFreedom = k - 1;
  return { statistic, pValue: regularizedGammaQ(degreesOfFreedom / 2, statistic / 2), degreesOfFreedom };
}
