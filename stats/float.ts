/**
 * Floating-point helpers shared by the KS code, with the numpy / C semantics
 * the scipy reference relies on.
 */

/**
 * Power-of-2 rescaling (2^±128) that the Durbin and Pomeranz recursions apply
 * to keep intermediate values away from overflow/underflow.
 */
export const E128 = 128;
export const EP128 = 2 ** 128;
export const EM128 = 2 ** -128;

/** np.round / rint semantics: round half to even. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v); // half rounds up (towards +inf)
  if (r - v === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}

/** np.clip(p, 0, 1); NaN propagates. */
export function clip01(p: number): number {
  if (p < 0) return 0;
  if (p > 1) return 1;
  return p;
}

/** x * 2^e without intermediate overflow/underflow of 2^e (C ldexp). */
export function ldexp(x: number, e: number): number {
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
