import { populationStandardDeviation, wassersteinDistance } from '../../stats/index.js';
import type { PreparedNumeric } from '../prepared-column.js';
import type { MethodResult } from './result.js';

/**
 * Evidently's normed Wasserstein distance (wasserstein_distance_norm.py):
 * W₁(reference, current) / max(std(reference), 0.001), std with ddof 0 as
 * numpy's — so the distance is in reference standard deviations and a constant
 * reference does not divide by zero.
 */
export const MIN_NORM = 0.001;

export function normedWasserstein(column: PreparedNumeric): MethodResult {
  const { reference, current } = column.sorted();
  // The std of the sorted copy: the same number whatever ran on this column
  // before (numpy sums in input order; the difference is ~1e-16 relative).
  const norm = Math.max(populationStandardDeviation(reference), MIN_NORM);
  return { statistic: wassersteinDistance(reference, current) / norm, pValue: null };
}
