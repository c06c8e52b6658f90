import { jensenShannonDistance } from '../../stats/index.js';
import type { BinnedShares } from '../binning.js';
import type { MethodResult } from './result.js';

/**
 * Jensen–Shannon distance (scipy.spatial.distance.jensenshannon, natural
 * logarithm: Evidently passes no base, so the distance lies in [0, √ln 2]) on
 * Evidently's binning, without an empty-bin epsilon (jensenshannon.py calls
 * get_binned_data with feel_zeroes=False).
 */
export function jensenShannon(bins: BinnedShares): MethodResult {
  return { statistic: jensenShannonDistance(bins.reference, bins.current), pValue: null };
}
