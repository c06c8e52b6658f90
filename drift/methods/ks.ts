import { ksTwoSampleSorted } from '../../stats/index.js';
import type { PreparedNumeric } from '../prepared-column.js';
import type { MethodResult } from './result.js';

/**
 * Two-sample Kolmogorov–Smirnov (scipy.stats.ks_2samp, method "auto"), as
 * Evidently's ks_stattest.py calls it: statistic D, two-sided p-value. Runs on
 * the column's sorted copies, which Wasserstein and the histograms share.
 */
export function kolmogorovSmirnov(column: PreparedNumeric): MethodResult {
  const { reference, current } = column.sorted();
  const { statistic, pValue } = ksTwoSampleSorted(reference, current);
  return { statistic, pValue };
}
