import { fillEmptyShares, populationStabilityIndex } from '../../stats/index.js';
import type { BinnedShares } from '../binning.js';
import type { MethodResult } from './result.js';

/**
 * Population Stability Index Σ (r − c)·ln(r / c) over shared bins (psi.py),
 * after Evidently's empty-bin epsilon (utils.py get_binned_data, feel_zeroes):
 * a window's empty bins get min(non-zero share)/10⁶ when that minimum is
 * ≤ 10⁻⁴, else 10⁻⁴.
 */
export function populationStability(bins: BinnedShares): MethodResult {
  return {
    statistic: populationStabilityIndex(fillEmptyShares(bins.reference), fillEmptyShares(bins.current)),
    pValue: null,
  };
}
