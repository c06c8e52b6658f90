/**
 * Two-sample Kolmogorov–Smirnov test (two-sided), matching
 * `scipy.stats.ks_2samp(x, y, alternative="two-sided", method="auto")`
 * (scipy 1.17: scipy/stats/_stats_py.py `ks_2samp`, `_attempt_exact_2kssamp`,
 * `_compute_prob_outside_square`; scipy/stats/_stats_pythran.py
 * `_compute_outer_prob_inside_method`; scipy/stats/_ksstats.py `_kolmogn`;
 * xsf include/xsf/cephes/kolmogorov.h `smirnov`).
 *
 * Summary of scipy's behaviour reproduced here:
 *  - statistic D = max_x |F1(x) - F2(x)| over the pooled sample, with the ECDFs
 *    evaluated as count/n (right-continuous, so ties are handled correctly).
 *  - method "auto": exact when max(n1, n2) <= 10000, otherwise asymptotic.
 *  - exact: D is snapped to the lattice, h = round_half_even(D * lcm(n1, n2)),
 *    D = h / lcm (the *returned* statistic is this snapped value too);
 *    h == 0 gives p = 1.  n1 == n2 uses the alternating-series "outside square"
 *    formula, otherwise the Hodges/Viehmann "inside" lattice-path recursion.
 *    If the result is not within [0, 1] (the square formula can round to
 *    1.0000000000000002), scipy warns and falls back to the asymptotic method
 *    with the snapped D; `method` then reports 'asymp'.
 *  - asymptotic: p = kstwo.sf(D, round_half_even(n1*n2/(n1+n2))), i.e. the
 *    exact finite-n one-sample Kolmogorov distribution (Simard & L'Ecuyer
 *    algorithm selection), not the limiting kstwobign distribution.
 *  - p is clipped to [0, 1].
 *
 * This module computes the statistic and chooses the method; the exact
 * lattice-path p-values live in ks-exact.ts, kstwo.sf in kolmogorov.ts.
 */
import { clip01, roundHalfEven } from './float.js';
import { kstwoSf } from './kolmogorov.js';
import { sortFloat64InPlace } from './sort.js';
import { computeOuterProbInsideMethod, computeProbOutsideSquare } from './ks-exact.js';

export interface KsResult {
  /** KS statistic D = sup |F1 - F2|. */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
  /** How the p-value was computed (the method scipy would have used). */
  method: 'exact' | 'asymp';
  /** Size of the reference sample. */
  n1: number;
  /** Size of the current sample. */
  n2: number;
}

/** scipy's MAX_AUTO_N: method="auto" attempts the exact p-value when max(n1, n2) <= this. */
const MAX_AUTO_N = 10000;

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

/**
 * Two-sample, two-sided Kolmogorov–Smirnov test.
 *
 * @param reference first sample (not modified)
 * @param current second sample (not modified)
 * @throws RangeError if a sample is empty or contains NaN
 */
export function ksTwoSample(
  reference: Float64Array | number[],
  current: Float64Array | number[],
): KsResult {
  const a = sortedCopy(reference, 'reference');
  const b = sortedCopy(current, 'current');
  const n1 = a.length;
  const n2 = b.length;
  const d = ksStatisticSorted(a, b);
  const { statistic, pValue, method } = ks2SampProb(d, n1, n2);
  return { statistic, pValue, method, n1, n2 };
}

/**
 * The same test on samples the caller has already sorted ascending (and
 * stripped of NaN), e.g. with `sortFloat64`, so that one sort serves several
 * statistics.  Not checked: unsorted input gives a wrong statistic.
 *
 * @throws RangeError if a sample is empty
 */
export function ksTwoSampleSorted(referenceSorted: Float64Array, currentSorted: Float64Array): KsResult {
  const n1 = referenceSorted.length;
  const n2 = currentSorted.length;
  if (n1 === 0) throw new RangeError('ksTwoSample: the reference sample is empty');
  if (n2 === 0) throw new RangeError('ksTwoSample: the current sample is empty');
  const d = ksStatisticSorted(referenceSorted, currentSorted);
  const { statistic, pValue, method } = ks2SampProb(d, n1, n2);
  return { statistic, pValue, method, n1, n2 };
}

// ---------------------------------------------------------------------------
// Statistic
// ---------------------------------------------------------------------------

function sortedCopy(x: Float64Array | number[], label: string): Float64Array {
  if (x.length === 0) {
    throw new RangeError(`ksTwoSample: the ${label} sample is empty`);
  }
  const copy = x instanceof Float64Array ? x.slice() : Float64Array.from(x);
  for (let i = 0; i < copy.length; i++) {
    // `v !== v` is the NaN test (also catches non-numbers coerced to NaN).
    const v = copy[i]!;
    if (v !== v) {
      throw new RangeError(
        `ksTwoSample: the ${label} sample contains NaN at index ${i}; drop missing values before calling`,
      );
    }
  }
  return sortFloat64InPlace(copy); // same order as the native numeric sort, several times faster
}

/**
 * D = max over pooled points v of |#{a <= v}/n1 - #{b <= v}/n2|, by one merge
 * pass over the sorted samples.  The ECDF values are computed as count/n,
 * exactly like scipy's `np.searchsorted(data, data_all, side='right') / n`.
 * Once one sample is exhausted its ECDF is 1 and |F1 - F2| only shrinks, so
 * the pass stops there (scipy's final point gives 1 - 1 = 0, hence D >= 0).
 */
function ksStatisticSorted(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let dmax = 0;
  while (i < n1 && j < n2) {
    const ai = a[i]!;
    const bj = b[j]!;
    const v = ai <= bj ? ai : bj;
    while (i < n1 && a[i]! <= v) i++;
    while (j < n2 && b[j]! <= v) j++;
    const diff = i / n1 - j / n2;
    const ad = diff < 0 ? -diff : diff; // -(p - q) === q - p exactly in IEEE arithmetic
    if (ad > dmax) dmax = ad;
  }
  return dmax;
}

// ---------------------------------------------------------------------------
// p-value: method selection (scipy `ks_2samp` tail, alternative='two-sided')
// ---------------------------------------------------------------------------

function ks2SampProb(
  d: number,
  n1: number,
  n2: number,
): { statistic: number; pValue: number; method: 'exact' | 'asymp' } {
  let method: 'exact' | 'asymp' = Math.max(n1, n2) <= MAX_AUTO_N ? 'exact' : 'asymp';
  let prob = Number.NaN;
  if (method === 'exact') {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm); // int(np.round(d * lcm))
    d = h / lcm; // scipy returns this snapped statistic
    if (h === 0) {
      prob = 1.0;
    } else if (n1 === n2) {
      prob = computeProbOutsideSquare(n1, h);
    } else {
      prob = computeOuterProbInsideMethod(n1, n2, g, h);
    }
    if (!(prob >= 0 && prob <= 1)) {
      // scipy: "Exact calculation unsuccessful. Switching to method=asymp."
      method = 'asymp';
    }
  }
  if (method === 'asymp') {
    const m = Math.max(n1, n2);
    const n = Math.min(n1, n2);
    const en = (m * n) / (m + n);
    prob = kstwoSf(d, roundHalfEven(en));
  }
  return { statistic: d, pValue: clip01(prob), method };
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}
