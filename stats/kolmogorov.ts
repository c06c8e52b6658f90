/**
 * kstwo.sf: one-sample two-sided Kolmogorov distribution, finite n, with
 * scipy `_kolmogn`'s choice between the algorithms in kolmogorov-*.ts and
 * smirnov.ts.
 */
import { product } from 'simple-statistics';
import { clip01 } from './float.js';
import { kolmognDMTW } from './kolmogorov-durbin.js';
import { kolmognPelzGood } from './kolmogorov-pelz-good.js';
import { kolmognPomeranz } from './kolmogorov-pomeranz.js';
import { smirnovSf } from './smirnov.js';

const LOG_2PI = Math.log(2 * Math.PI);
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
