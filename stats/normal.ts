import { regularizedGammaQ } from './incomplete-gamma.js';

/**
 * Upper tail of the standard normal distribution, 1 − Φ(z)
 * (`scipy.stats.norm.sf(z)`), accurate in relative terms far into the tail.
 *
 * For z ≥ 0, 1 − Φ(z) = erfc(z / √2) / 2 = Q(1/2, z² / 2) / 2 (Abramowitz &
 * Stegun 7.1.2 and 6.5.17: erfc(t) = Γ(1/2, t²) / √π); Q is computed directly
 * in the tail (continued fraction), so there is no cancellation.  For z < 0,
 * 1 − Φ(z) = 1 − Q(1/2, z² / 2) / 2 (≥ 1/2, nothing to lose).
 *
 * simple-statistics' `cumulativeStdNormalProbability` reads a 4-digit table
 * and its `errorFunction` is a 1e-7 approximation: too coarse for p-values
 * compared at 1e-6 relative, hence this function.
 */
export function normalSurvival(z: number): number {
  if (z !== z) return Number.NaN;
  const upper = regularizedGammaQ(0.5, (z * z) / 2) / 2;
  return z >= 0 ? upper : 1 - upper;
}
