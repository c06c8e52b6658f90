import { normalSurvival } from './normal.js';

export interface ZTestResult {
  /** z = (p1 − p2) / √(P (1 − P) (1/n1 + 1/n2)); NaN when P (1 − P) = 0. */
  statistic: number;
  /** Two-sided p-value 2 · (1 − Φ(|z|)); NaN when the statistic is NaN. */
  pValue: number;
}

/**
 * Pooled two-proportion z-test, as Evidently's z_stattest.py
 * (`proportions_diff_z_stat_ind` + `proportions_diff_z_test`, two-sided)
 * computes it for binary features: p1 = s1/n1, p2 = s2/n2, pooled
 * P = (p1·n1 + p2·n2) / (n1 + n2), the same operations in the same order.
 *
 * The p-value is 2 · normalSurvival(|z|) rather than Evidently's
 * 2 · (1 − norm.cdf(|z|)): the latter cancels to exactly 0 beyond |z| ≈ 8.3,
 * this one stays accurate, so the two agree to |a − b| ≤ 1e-6·|b| + 1e-15
 * (both are far below any drift threshold there).
 *
 * When both samples are all 0 or all 1, P (1 − P) = 0 and z is 0/0: the
 * statistic and p-value are NaN and the caller decides (Evidently reports
 * p = 1 when both samples hold the same single value).
 *
 * @throws RangeError on non-integer or negative counts, successes > n, or an
 *   empty sample.
 */
export function twoProportionZTest(successesA: number, nA: number, successesB: number, nB: number): ZTestResult {
  checkSample('A', successesA, nA);
  checkSample('B', successesB, nB);
  const p1 = successesA / nA;
  const p2 = successesB / nB;
  const pooled = (p1 * nA + p2 * nB) / (nA + nB);
  const statistic = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1.0 / nA + 1.0 / nB));
  return { statistic, pValue: 2 * normalSurvival(Math.abs(statistic)) };
}

function checkSample(label: string, successes: number, n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`twoProportionZTest: sample ${label} size must be a positive integer, got ${n}`);
  }
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(
      `twoProportionZTest: sample ${label} successes must be an integer in [0, ${n}], got ${successes}`,
    );
  }
}
