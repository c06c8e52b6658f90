/** Pomeranz's recursion for the one-sample two-sided Kolmogorov CDF. */
import { E128, EM128, EP128, ldexp } from './float.js';

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
export function kolmognPomeranz(n: number, x: number): number {
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
