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
 */
import { product, sum } from 'simple-statistics';

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
  copy.sort(); // TypedArray sort is numeric
  return copy;
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

/** np.round / rint semantics: round half to even. */
function roundHalfEven(v: number): number {
  const r = Math.round(v); // half rounds up (towards +inf)
  if (r - v === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** np.clip(p, 0, 1); NaN propagates. */
function clip01(p: number): number {
  if (p < 0) return 0;
  if (p > 1) return 1;
  return p;
}

// ---------------------------------------------------------------------------
// Exact two-sample distribution
// ---------------------------------------------------------------------------

/**
 * Pr(D_{n,n} >= h/n), scipy `_compute_prob_outside_square`:
 *   P = 2 * (C(2n, n-h) - C(2n, n-2h) + C(2n, n-3h) - ...) / C(2n, n)
 * evaluated as P = 2*A0*(1 - A1*(1 - A2*(1 - ...))) (Horner-like, each Ai a
 * product of h ratios) to avoid subtractive cancellation.  Same operation
 * order as scipy so that the same roundings (e.g. 1.0000000000000002) occur.
 */
function computeProbOutsideSquare(n: number, h: number): number {
  let P = 0.0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1.0;
    for (let j = 0; j < h; j++) {
      p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    }
    P = p1 * (1.0 - P);
    k -= 1;
  }
  return 2 * P;
}

/**
 * Proportion of lattice paths (0,0)->(m,n) that do NOT stay strictly inside
 * |x/m - y/n| < h/lcm(m,n); scipy `_compute_outer_prob_inside_method`
 * (Hodges 1958 "inside method", with Viehmann 2021's recursion computing
 * 1 - p directly: A(x,y) = (x*A(x-1,y) + y*A(x,y-1)) / (x+y), one sliding
 * column kept).
 */
function computeOuterProbInsideMethod(m: number, n: number, g: number, h: number): number {
  if (m < n) {
    const t = m;
    m = n;
    n = t;
  }
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);

  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1.0);
  for (let jj = minj; jj < Math.min(maxj, lenA); jj++) A[jj] = 0.0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1.0;
    let val = minj === 0 ? 0.0 : 1.0;
    const shift = minj - lastminj;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + shift]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      const end = Math.min(maxj - minj + (lastlen - curlen), lenA);
      for (let jj = maxj - minj; jj < end; jj++) A[jj] = 1.0;
    }
  }
  return A[maxj - minj - 1]!;
}

// ---------------------------------------------------------------------------
// kstwo.sf: one-sample two-sided Kolmogorov distribution, finite n
// ---------------------------------------------------------------------------

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;
const SQRT2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const MIN_LOG = -708;
const SQRT3 = Math.sqrt(3);
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;
/** Stirling series coefficients B_{2j}/(2j)/(2j-1), j = 8..1 (scipy `_STIRLING_COEFFS`). */
const STIRLING_COEFFS = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3,
  8.4175084175084175084e-4, -5.952380952380952381e-4, 7.9365079365079365079e-4,
  -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

/**
 * scipy.stats.kstwo.sf(x, n): Pr(D_n >= x) for the one-sample two-sided KS
 * statistic, including rv_continuous.sf's handling of the support
 * (0.5/n, 1) and of invalid n (NaN).
 * @internal exported for tests; not part of the stats public API.
 */
export function kstwoSf(x: number, n: number): number {
  if (Number.isNaN(x) || !(n >= 1 && n === Math.round(n))) return Number.NaN;
  if (x <= 0.5 / n) return 1.0;
  if (!(x < 1.0)) return 0.0;
  return kolmognSf(n, x);
}

/**
 * SF of the two-sided one-sample KS statistic, scipy `_kolmogn(n, x, cdf=False)`.
 * Algorithm selection of Simard & L'Ecuyer (2011): Ruben-Gambino closed forms
 * near the ends, 2*smirnov for x >= 0.5 or large n*x^2, Durbin matrix (MTW) /
 * Pomeranz for small n, Pelz-Good asymptotic series otherwise.
 */
function kolmognSf(n: number, x: number): number {
  if (x >= 1.0) return 0.0;
  if (x <= 0.0) return 1.0;
  const t = n * x;
  if (t <= 1.0) {
    // Ruben-Gambino: 1/2n <= x <= 1/n, CDF = n!/n^n * (2t-1)^n
    if (t <= 0.5) return 1.0;
    let prob: number;
    if (n <= 140) {
      const factors: number[] = new Array<number>(n);
      for (let i = 1; i <= n; i++) factors[i - 1] = i * (1.0 / n) * (2 * t - 1);
      prob = product(factors);
    } else {
      prob = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1.0 - prob);
  }
  if (t >= n - 1) {
    // Ruben-Gambino: SF = 2 (1-x)^n
    return clip01(2 * (1.0 - x) ** n);
  }
  if (x >= 0.5) {
    // Exact: the D+ and D- events are disjoint
    return clip01(2 * smirnovSf(n, x));
  }
  const nxsquared = t * x;
  if (n <= 140) {
    if (nxsquared <= 0.754693) {
      return clip01(1.0 - clip01(kolmognDMTW(n, x)));
    }
    if (nxsquared <= 4) {
      return clip01(1.0 - clip01(kolmognPomeranz(n, x)));
    }
    // Miller approximation of 2*smirnov
    return clip01(2 * smirnovSf(n, x));
  }
  if (nxsquared >= 370.0) return 0.0;
  if (nxsquared >= 2.2) return clip01(2 * smirnovSf(n, x));
  // Compute the SF as 1 - CDF (nxsquared < 2.2 < 18, so no CDF shortcut)
  let cdfprob: number;
  if (n <= 100000 && n * x ** 1.5 <= 1.4) {
    cdfprob = clip01(kolmognDMTW(n, x));
  } else {
    cdfprob = kolmognPelzGood(n, x);
  }
  return clip01(1.0 - cdfprob);
}

/**
 * log(n!/n^n) by Stirling's series with n*log(n) removed up front
 * (scipy `_log_nfactorial_div_n_pow_n`):
 *   log(n)/2 - n + log(sqrt(2pi)) + sum_j B_{2j}/(2j)/(2j-1)/n^(2j-1)
 */
function logNFactorialDivNPowN(n: number): number {
  const rn = 1.0 / n;
  const u = rn / n;
  let poly = 0; // np.polyval (Horner)
  for (const c of STIRLING_COEFFS) poly = poly * u + c;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * poly;
}

/** x * 2^e without intermediate overflow/underflow of 2^e (C ldexp). */
function ldexp(x: number, e: number): number {
  while (e > 1023) {
    x *= 2 ** 1023;
    e -= 1023;
    if (!Number.isFinite(x)) return x;
  }
  while (e < -1022) {
    x *= 2 ** -1022;
    e += 1022;
    if (x === 0) return x;
  }
  return x * 2 ** e;
}

/** Dense row-major product of two m×m matrices. */
function matmul(A: Float64Array, B: Float64Array, m: number): Float64Array {
  const C = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const ci = i * m;
    for (let k = 0; k < m; k++) {
      const aik = A[ci + k]!;
      if (aik === 0) continue;
      const bk = k * m;
      for (let j = 0; j < m; j++) C[ci + j]! += aik * B[bk + j]!;
    }
  }
  return C;
}

/**
 * CDF Pr(D_n <= d) by Durbin's matrix algorithm in the form of Marsaglia,
 * Tsang & Wang (2003), scipy `_kolmogn_DMTW`: with d = (k - h)/n, the answer
 * is n!/n^n * (H^n)[k-1, k-1] for an m×m (m = 2k-1) matrix H, computed by
 * repeated squaring with power-of-2 rescaling.
 */
function kolmognDMTW(n: number, d: number): number {
  if (d >= 1.0) return 1.0;
  const nd = n * d;
  if (nd <= 0.5) return 0.0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  // v[j] = (1 - h^(j+1))/(j+1)!  (except v[m-1]);  w[j] = 1/j!
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1.0;
  for (let j = 1; j <= m; j++) {
    v[j - 1] = 1.0 - h ** j;
    w[j - 1] = fac;
    fac /= j; // may underflow; harmless
    v[j - 1]! *= fac;
  }
  const tt = Math.max(2 * h - 1.0, 0) ** m - 2 * h ** m;
  v[m - 1] = (1.0 + tt) * fac;

  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) {
    for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - (i - 1)]!;
  }
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  let Hpwr: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1.0;
  let nn = n;
  let expnt = 0; // scaling of Hpwr
  let Hexpnt = 0; // scaling of H
  const kk = (k - 1) * m + (k - 1);
  while (nn > 0) {
    if (nn % 2) {
      Hpwr = matmul(Hpwr, H, m);
      expnt += Hexpnt;
    }
    H = matmul(H, H, m);
    Hexpnt *= 2;
    if (Math.abs(H[kk]!) > EP128) {
      for (let i = 0; i < H.length; i++) H[i]! /= EP128;
      Hexpnt += E128;
    }
    nn = Math.floor(nn / 2);
  }

  let p = Hpwr[kk]!;
  // multiply by n!/n^n
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      expnt -= E128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return p;
}

/** Row-interval endpoints for the Pomeranz recursion (scipy `_pomeranz_compute_j1j2`). */
function pomeranzJ1J2(
  i: number,
  n: number,
  ll: number,
  ceilf: number,
  roundf: number,
): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/** Python-style a[start:stop] for non-negative step 1 slices (clamped). */
function pySlice(a: Float64Array, start: number, stop: number): Float64Array {
  const len = a.length;
  const s = start < 0 ? Math.max(len + start, 0) : Math.min(start, len);
  const e = stop < 0 ? Math.max(len + stop, 0) : Math.min(stop, len);
  return a.subarray(s, Math.max(s, e));
}

/** np.convolve(a, b, mode='full'). */
function convolveFull(a: Float64Array, b: Float64Array): Float64Array {
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return new Float64Array(0);
  const out = new Float64Array(la + lb - 1);
  for (let i = 0; i < la; i++) {
    const ai = a[i]!;
    if (ai === 0) continue;
    for (let j = 0; j < lb; j++) out[i + j]! += ai * b[j]!;
  }
  return out;
}

/**
 * CDF Pr(D_n <= x) by the Pomeranz (1974) recursion, scipy `_kolmogn_Pomeranz`:
 * each row of V is the convolution of the previous row with (unnormalised)
 * Poisson probabilities (g/n)^m/m!, (2g/n)^m/m! or ((1-2g)/n)^m/m!; the answer
 * is n! * V[2n+1][n].  Only a sliding window of two rows is kept, rescaled by
 * powers of 2 to avoid underflow.
 */
function kolmognPomeranz(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = 1.0 * (t - ll);
  const g = Math.min(f, 1.0 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1.0;
  twogpower[0] = 1.0;
  onem2gpower[0] = 1.0;
  let expnt = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = (gpower[m - 1]! * gOverN) / m;
    twogpower[m] = (twogpower[m - 1]! * twoGOverN) / m;
    onem2gpower[m] = (onem2gpower[m - 1]! * oneMinusTwoGOverN) / m;
  }

  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzJ1J2(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0.0);
    [j1, j2] = pomeranzJ1J2(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      const conv = convolveFull(
        pySlice(V0, k1 - V0s, k1 - V0s + ln2),
        pySlice(pwrs, 0, ln2),
      );
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      const seg = pySlice(conv, convStart, convStart + convLen);
      V1.set(seg.subarray(0, Math.min(seg.length, npwrs)));
      let vmax = -Infinity;
      for (let q = 0; q < npwrs; q++) if (V1[q]! > vmax) vmax = V1[q]!;
      if (vmax > 0 && vmax < EM128) {
        for (let q = 0; q < npwrs; q++) V1[q]! *= EP128;
        expnt -= E128;
      }
      V1s = V0s + j1 - k1;
    }
  }

  // multiply by n!
  const idx = n - V1s;
  let ans = V1[idx < 0 ? npwrs + idx : idx] ?? Number.NaN;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP128) {
      ans *= EM128;
      expnt += E128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return ans;
}

/**
 * Pelz-Good (1976) approximation to Pr(D_n <= x), scipy `_kolmogn_PelzGood`:
 * the Li-Chien/Korolyuk expansion K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^1.5
 * (z = x sqrt(n)) transformed with Jacobi theta identities for small z.
 */
function kolmognPelzGood(n: number, x: number): number {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const z = Math.sqrt(n) * x;
  const zsquared = z ** 2;
  const zthree = z ** 3;
  const zfour = z ** 4;
  const zsix = z ** 6;

  const qlog = -PI_SQUARED / 8 / zsquared;
  if (qlog < MIN_LOG) return 0.0; // z ~ 0.041743441416853426
  let q = Math.exp(qlog);

  const k1a = -zsquared;
  const k1b = PI_SQUARED / 4;

  const k2a = 6 * zsix + 2 * zfour;
  const k2b = ((2 * zfour - 5 * zsquared) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * zsquared)) / 16;

  const k3d = (PI_SIX * (5 - 30 * zsquared)) / 64;
  const k3c = (PI_FOUR * (-60 * zsquared + 212 * zfour)) / 16;
  const k3b = (PI_SQUARED * (135 * zfour - 96 * zsix)) / 4;
  const k3a = -30 * zsix - 90 * z ** 8;

  const K = [0, 0, 0, 0];
  // Horner scheme for sum c_i q^(i^2) over odd i
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const msquared = m ** 2;
    const mfour = m ** 4;
    const msix = m ** 6;
    const qpower = q ** (8 * k);
    const coeffs = [
      1.0,
      k1a + k1b * msquared,
      k2a + k2b * msquared + k2c * mfour,
      k3a + k3b * msquared + k3c * mfour + k3d * msix,
    ];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qpower + coeffs[i]!;
  }
  const denom = [z, 6 * zfour, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / denom[i]!;

  // Remaining sums over all integers k:
  //   K_2: (pi^2 k^2) q^(k^2);  K_3: (3 pi^2 k^2 z^2 - pi^4 k^4) q^(k^2)
  q = Math.exp(-PI_SQUARED / 2 / zsquared);
  const sqrt3z = SQRT3 * z;
  const k2terms: number[] = [];
  const k3terms: number[] = [];
  for (let k = maxk; k > 0; k--) {
    const ksquared = k ** 2;
    const kspi = Math.PI * k;
    const qpwer = q ** ksquared;
    k2terms.push(ksquared * qpwer);
    k3terms.push((sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpwer);
  }
  const k2extra = sum(k2terms) * ((PI_SQUARED * SQRT2PI) / (-36 * zthree));
  K[2] = K[2]! + k2extra;
  const k3extra = sum(k3terms) * ((PI_SQUARED * SQRT2PI) / (216 * zsix));
  K[3] = K[3]! + k3extra;
  for (let i = 0; i < 4; i++) K[i] = K[i]! / (n * 1.0) ** (i / 2.0);

  return K[0]! + K[1]! + K[2]! + K[3]!;
}

// ---------------------------------------------------------------------------
// smirnov(n, x): one-sided one-sample KS survival function Pr(D_n^+ >= x)
// ---------------------------------------------------------------------------

/** cephes MINLOG = log(2^-1075) */
const SMIRNOV_MINLOG = -7.451332191019412076235245305675398106812e2;
/** xsf SMIRNOV_MAX_COMPUTE_N: larger n uses an approximation */
const SMIRNOV_MAX_COMPUTE_N = 1000000;
const DBL_EPSILON = 2 ** -52;

/** Dekker/Veltkamp exact product: a*b = hi + lo exactly. */
function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const SPLIT = 134217729; // 2^27 + 1
  let c = SPLIT * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b);
  const bl = b - bh;
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  return [p, e];
}

/**
 * Pr(D_n^+ >= x), xsf `cephes::smirnov` (Birnbaum & Tingey 1951 / Smirnov
 * 1944; van Mulbregt 2018, arXiv:1802.06966):
 *   SF = x * sum_{v=0}^{floor(n(1-x))} C(n,v) (1-x-v/n)^(n-v) (x+v/n)^(v-1)
 * xsf evaluates the terms in double-double arithmetic; here each (positive)
 * term is evaluated in log space from exactly-split inputs (n*x as an exact
 * two-double product, C(n,v) as a frexp-normalised running product), which
 * keeps ~1e-10 relative accuracy up to n = 1e6, and summed with Neumaier
 * compensation.  xsf's alternating "upper sum" variant is only selected when
 * x <= 0.5/sqrt(n) with n*x < 3, a region `kolmognSf` never delegates here.
 */
function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0.0 && x <= 1.0)) return Number.NaN;
  if (n === 1) return 1 - x;
  if (x === 0.0) return 1.0;
  if (x === 1.0) return 0.0;

  // modNX: floor(n*x) and its fractional part, computed exactly
  const [nxHi, nxLo] = twoProd(n, x);
  let nxfl = Math.floor(nxHi);
  let alpha: number;
  if (nxfl === nxHi) {
    if (nxLo < 0) {
      nxfl -= 1;
      alpha = 1 + nxLo;
    } else {
      alpha = nxLo;
    }
  } else {
    alpha = nxHi - nxfl + nxLo;
  }
  if (alpha >= 1) {
    nxfl += 1;
    alpha = 0;
  }
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  if (alpha === 0) n1mxfl -= 1;

  // x <= 1/n: CDF = x (1+x)^(n-1)
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const tpow = Math.exp((n - 1) * Math.log1p(x));
    return 1 - x * tpow;
  }
  // SF underflows
  if (-2 * n * x * x < SMIRNOV_MINLOG) return 0.0;
  // x >= 1 - 1/n: SF = (1-x)^n
  if (nxfl >= n - 1) return Math.exp(n * Math.log1p(-x));
  // n too large to sum: p ~ exp(-(6nx+1)^2 / 18n)
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -((6.0 * n * x + 1) ** 2) / 18.0 / n;
    const sf = logp < -Math.LN2 ? Math.exp(logp) : 1 - -Math.expm1(logp);
    return clip01(sf);
  }

  const nTerms = n1mxfl + 1;
  const vmid = Math.floor(n / 2);
  // v = 0 term: (1-x)^n / x
  let sumHi = Math.exp(n * Math.log1p(-x) - Math.log(x));
  let sumLo = 0; // Neumaier compensation
  // C(n, v) = cman * 2^cexp, cman in [0.5, 1)
  let cman = 1.0;
  let cexp = 0;
  const updateBinomial = (j: number): void => {
    cman *= (n - j) / (j + 1.0);
    const e = Math.floor(Math.log2(cman)) + 1;
    cman = ldexp(cman, -e);
    if (cman >= 1) {
      cman /= 2;
      cexp += e + 1;
    } else if (cman < 0.5) {
      cman *= 2;
      cexp += e - 1;
    } else {
      cexp += e;
    }
  };
  updateBinomial(0);
  for (let v = 1; v < nTerms; v++) {
    // 1 - x - v/n and x + v/n from the exact n*x, one rounding per step
    const base2 = (n - v - nxHi - nxLo) / n;
    const base1 = (v + nxHi + nxLo) / n;
    const logAv =
      Math.log(cman) + cexp * Math.LN2 + (n - v) * Math.log(base2) + (v - 1) * Math.log(base1);
    const Av = Math.exp(logAv);
    if (Number.isFinite(Av) && Av !== 0) {
      const tsum = sumHi + Av;
      sumLo += Math.abs(sumHi) >= Math.abs(Av) ? sumHi - tsum + Av : Av - tsum + sumHi;
      sumHi = tsum;
    }
    if (Av !== 0) {
      if (4 * (nTerms - v) * Math.abs(Av) < DBL_EPSILON * (sumHi + sumLo) && v !== nTerms - 1) {
        break;
      }
    } else if (v > vmid) {
      break;
    }
    updateBinomial(v);
  }
  return clip01(x * (sumHi + sumLo));
}
