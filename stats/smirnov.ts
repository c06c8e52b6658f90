/** smirnov(n, x): one-sided one-sample KS survival function Pr(D_n^+ >= x). */
import { clip01, ldexp } from './float.js';

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
export function smirnovSf(n: number, x: number): number {
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
