import { ksTwoSample } from '../../stats/index.js';
import type { PreparedNumeric } from '../prepared-column.js';
import type { MethodResult } from './result.js';

/**
 * Two-sample Kolmogorov–Smirnov (scipy.stats.ks_2samp, method "auto"), as
 * Evidently's ks_stattest.py calls it: statistic D, two-sided p-value.
 */
export function kolmogorovSmirnov(column: PreparedNumeric): MethodResult {
  const { statistic, pValue } = ksTwoSample(column.sorted().reference, column.sorted().current);
  return { statistic, pValue };
}
