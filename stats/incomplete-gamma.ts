import { gammaln } from 'simple-statistics';

/**
 * Regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 − P(a, x),
 * the chi-squared and normal tail probabilities behind the drift p-values.
 *
 * Numerical Recipes (3rd ed.) §6.2, as in Cephes `igam`/`igamc`
 * (scipy.special.gammainc/gammaincc): for x < a + 1 the power series
 *   P(a, x) = e^{−x} x^a / Γ(a) · Σ_n x^n / (a (a+1) … (a+n)),
 * otherwise the continued fraction
 *   Q(a, x) = e^{−x} x^a / Γ(a) · 1 / (x + 1 − a − 1·(1−a) / (x + 3 − a − 2·(2−a) / …)),
 * evaluated with the modified Lentz method.  The tail that is computed
 * directly is the one that is small, so Q keeps its relative accuracy down
 * to ~1e-300 instead of losing it to 1 − P.
 *
 * ln Γ(a) comes from simple-statistics' `gammaln`, a Lanczos approximation
 * (g = 607/128, 15 terms; Godfrey's coefficients) accurate to ~1e-15.  The
 * prefactor e^{a ln x − x − ln Γ(a)} is formed in log space so that large a
 * and x (many categories, huge statistics) neither overflow nor underflow early.
 *
 * Edge cases follow Cephes/scipy: NaN in → NaN; a < 0 or x < 0 → NaN;
 * a = 0 → Q = 0 for x > 0 and NaN for x = 0; x = 0 → Q = 1; x = ∞ → Q = 0.
 */

const EPSILON = 1e-16;
/** Smallest positive normal double / ε: the Lentz method's stand-in for 0. */
const TINY = 2.2250738585072014e-308 / EPSILON;
/**
 * Both expansions converge in O(√a) terms near x ≈ a (and much faster
 * elsewhere); this bound only guards against a non-terminating loop.
 */
const MAX_TERMS = 10_000_000;

/** Upper regularized incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). */
export function regularizedGammaQ(a: number, x: number): number {
  if (a !== a || x !== x || a < 0 || x < 0) return Number.NaN;
  if (a === 0) return x > 0 ? 0 : Number.NaN;
  if (x === 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (a === Number.POSITIVE_INFINITY) return 1;
  if (x < a + 1) return 1 - lowerSeries(a, x);
  return upperContinuedFraction(a, x);
}

/** Lower regularized incomplete gamma P(a, x) = γ(a, x) / Γ(a). */
export function regularizedGammaP(a: number, x: number): number {
  if (a !== a || x !== x || a < 0 || x < 0) return Number.NaN;
  if (a === 0) return x > 0 ? 1 : Number.NaN;
  if (x === 0) return 0;
  if (x === Number.POSITIVE_INFINITY) return 1;
  if (a === Number.POSITIVE_INFINITY) return 0;
  if (x < a + 1) return lowerSeries(a, x);
  return 1 - upperContinuedFraction(a, x);
}

/** ln(e^{−x} x^a / Γ(a)) */
function logPrefactor(a: number, x: number): number {
  return a * Math.log(x) - x - gammaln(a);
}

/** P(a, x) by its power series (NR `gser`). */
function lowerSeries(a: number, x: number): number {
  let denominator = a;
  let term = 1 / a;
  let sum = term;
  for (let n = 0; n < MAX_TERMS; n++) {
    denominator += 1;
    term *= x / denominator;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPSILON) {
      return sum * Math.exp(logPrefactor(a, x));
    }
  }
  throw new Error(`regularized incomplete gamma: series did not converge for a=${a}, x=${x}`);
}

/** Q(a, x) by its continued fraction, modified Lentz (NR `gcf`). */
function upperContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_TERMS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) {
      return Math.exp(logPrefactor(a, x)) * h;
    }
  }
  throw new Error(`regularized incomplete gamma: continued fraction did not converge for a=${a}, x=${x}`);
}
