import type { DriftMethod } from '../config/drift.js';
import type { MethodResult } from './methods/index.js';

/**
 * Evidently's drift rule per method: ks drifts when p ≤ threshold
 * (ks_stattest.py), chisquare and ztest when p < threshold, the distances
 * (wasserstein, jensenshannon, psi) when the distance ≥ threshold.
 */
export function exceedsThreshold(method: DriftMethod, result: MethodResult, threshold: number): boolean {
  switch (method) {
    case 'ks':
      return result.pValue! <= threshold;
    case 'chisquare':
    case 'ztest':
      return result.pValue! < threshold;
    case 'wasserstein':
    case 'jensenshannon':
    case 'psi':
      return result.statistic! >= threshold;
  }
}

/**
 * Whether the current window's missing share grew by at least `increase`.
 * Shares are differences of ratios, so 0.3 − 0.2 is 0.0999…98 in binary
 * floating point; a 1e-12 slack keeps "ten points" meaning ten points.
 */
export function missingShareJumped(
  missing: { reference: number; current: number },
  total: { reference: number; current: number },
  increase: number,
): boolean {
  const refShare = total.reference > 0 ? missing.reference / total.reference : 0;
  const curShare = total.current > 0 ? missing.current / total.current : 0;
  return curShare - refShare >= increase - 1e-12;
}
