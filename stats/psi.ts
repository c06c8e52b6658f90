import { pairwiseSum } from './pairwise-sum.js';

/**
 * Population Stability Index over matching bins (or categories) of shares:
 *   PSI = Σ (r_i − c_i) · ln(r_i / c_i)
 * (Evidently legacy/calculations/stattests/psi.py; Siddiqi, "Credit Risk
 * Scorecards", 2006).  Every share must be positive for the terms to be finite:
 * fill empty bins with `fillEmptyShares` first, as Evidently does.  Summed in
 * numpy's pairwise order.  An empty bin left in gives +∞ (or NaN if it is
 * empty on both sides), exactly as the formula does in numpy.
 *
 * @throws RangeError on length mismatch or no bins.
 */
export function populationStabilityIndex(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const k = reference.length;
  if (current.length !== k) {
    throw new RangeError(`populationStabilityIndex: ${k} reference but ${current.length} current bins`);
  }
  if (k === 0) throw new RangeError('populationStabilityIndex: no bins');
  const terms = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const r = reference[i]!;
    const c = current[i]!;
    terms[i] = (r - c) * Math.log(r / c);
  }
  return pairwiseSum(terms);
}

/**
 * The documented epsilon for empty bins (Evidently
 * legacy/calculations/stattests/utils.py `get_binned_data`, feel_zeroes=True):
 * every zero share is replaced by min(non-zero shares) / 10⁶ when that minimum
 * is ≤ 1e-4, and by 1e-4 otherwise.  Applied to each sample's shares
 * separately.  Returns a new array; the input is unchanged.  (The shares then
 * sum to slightly more than 1, as in Evidently.)
 *
 * @throws RangeError when every share is zero (an empty sample: Evidently's
 *   `min()` of nothing fails too) or a share is negative or NaN.
 */
export function fillEmptyShares(shares: Float64Array): Float64Array {
  let smallest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < shares.length; i++) {
    const s = shares[i]!;
    if (!(s >= 0)) throw new RangeError(`fillEmptyShares: share ${i} is ${s}; shares must be >= 0`);
    if (s !== 0 && s < smallest) smallest = s;
  }
  if (smallest === Number.POSITIVE_INFINITY) {
    throw new RangeError('fillEmptyShares: every share is zero (empty sample)');
  }
  const epsilon = smallest <= 0.0001 ? smallest / 10 ** 6 : 0.0001;
  const filled = Float64Array.from(shares);
  for (let i = 0; i < filled.length; i++) if (filled[i] === 0) filled[i] = epsilon;
  return filled;
}
