import { measured, undefinedMetric, type MetricValue } from './metric-value.js';
import { rowsOf, topClass, type ProbabilityMatrix } from './probabilities.js';

/** Equal-width confidence bins of the expected calibration error. */
export const ECE_BINS = 10;

/**
 * Top-label expected calibration error (Guo et al., "On Calibration of Modern
 * Neural Networks", 2017, eq. 3): each row's confidence is its highest class
 * probability and it is correct when that class (the first on a tie) is its
 * true label; rows fall into `bins` equal-width bins of confidence,
 * bin m = (m/M, (m+1)/M] with edges computed as m/M (a confidence of 0 goes
 * into the first bin, one above 1 into the last), and
 *
 *   ECE = Σ_m |B_m|/n · |accuracy(B_m) − mean confidence(B_m)|.
 *
 * scikit-learn has no ECE; docs/monitoring.md states this definition and the
 * reference test implements it independently in numpy.
 */
export function expectedCalibrationError(truth: Int32Array, probabilities: ProbabilityMatrix, bins = ECE_BINS): MetricValue {
  const n = rowsOf(probabilities);
  if (truth.length !== n) throw new RangeError(`truth has ${truth.length} rows but probabilities have ${n}`);
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, not ${bins}`);
  if (n === 0) return undefinedMetric('no rows');
  const k = probabilities.classes.length;
  // Per bin: Σ (correct − confidence); |that| / n summed over bins is the ECE.
  const gap = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    const top = topClass(probabilities, i);
    const confidence = probabilities.values[i * k + top]!;
    gap[binOf(confidence, bins)]! += (truth[i] === top ? 1 : 0) - confidence;
  }
  let ece = 0;
  for (const g of gap) ece += Math.abs(g);
  return measured(ece / n);
}

/** The bin m with m/M < c ≤ (m+1)/M, clamped to [0, M − 1]. */
export function binOf(confidence: number, bins: number): number {
  let m = Math.ceil(confidence * bins) - 1;
  // ceil(c·M) can be off by one where c·M rounds across an integer: settle on the edges themselves.
  while (m > 0 && confidence <= m / bins) m--;
  while (m < bins - 1 && confidence > (m + 1) / bins) m++;
  return Math.min(Math.max(m, 0), bins - 1);
}
