/**
 * k-sample Anderson–Darling test, `scipy.stats.anderson_ksamp(samples)` with
 * scipy's default midrank variant — what Evidently's "anderson" drift test
 * calls (scipy/stats/_morestats.py `anderson_ksamp`,
 * `_anderson_ksamp_midrank`).
 *
 * Statistic: Scholz & Stephens (1987), "K-Sample Anderson-Darling Tests",
 * JASA 82, eq. 7 (A²akN, the version for ties, with mid-ranks), standardised
 * as (A²akN − (k − 1)) / σN using the exact variance of their eq. 4.
 * p-value: scipy's interpolation — a quadratic least-squares fit of
 * ln(significance) against the critical values of Scholz & Stephens' Table 2
 * (b0 + b1/√m + b2/m, m = k − 1), evaluated at the statistic, capped to
 * [0.001, 0.25] outside the table (scipy warns there; `pValueCapped` says so).
 */

export interface AndersonDarlingResult {
  /** Standardised statistic (A²akN − (k − 1)) / σN. */
  statistic: number;
  /** Interpolated p-value in [0.001, 0.25]. */
  pValue: number;
  /** The statistic lies outside the table: pValue is the cap (0.25) or floor (0.001). */
  pValueCapped: boolean;
  /** Critical values at significance 25%, 10%, 5%, 2.5%, 1%, 0.5%, 0.1%. */
  criticalValues: number[];
}

/** Scholz & Stephens (1987), Table 2 interpolation coefficients (as scipy). */
const B0 = [0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085];
const B1 = [-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615];
const B2 = [-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154];
const SIGNIFICANCE = [0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001];

/**
 * @param sortedSamples k ≥ 2 samples, each sorted ascending (e.g. with
 *   `sortFloat64`), without NaN.  Not checked: unsorted input gives a wrong
 *   statistic.
 * @throws RangeError with fewer than two samples, an empty sample, or fewer
 *   than two distinct values overall (as scipy).
 */
export function andersonDarlingKSample(sortedSamples: readonly Float64Array[]): AndersonDarlingResult {
  const k = sortedSamples.length;
  if (k < 2) throw new RangeError('andersonDarlingKSample: needs at least two samples');
  sortedSamples.forEach((s, i) => {
    if (s.length === 0) throw new RangeError(`andersonDarlingKSample: sample ${i} is empty`);
  });
  const sizes = sortedSamples.map((s) => s.length);
  const N = sizes.reduce((a, b) => a + b, 0);

  const a2akN = midrankStatistic(sortedSamples, sizes, N);
  const sigmaSquared = nullVariance(sizes, N);
  const m = k - 1;
  const statistic = (a2akN - m) / Math.sqrt(sigmaSquared);

  const criticalValues = B0.map((b0, i) => b0 + B1[i]! / Math.sqrt(m) + B2[i]! / m);
  const lowest = Math.min(...criticalValues);
  const highest = Math.max(...criticalValues);
  if (statistic < lowest) return { statistic, pValue: 0.25, pValueCapped: true, criticalValues };
  if (statistic > highest) return { statistic, pValue: 0.001, pValueCapped: true, criticalValues };
  const [c2, c1, c0] = quadraticLeastSquares(criticalValues, SIGNIFICANCE.map(Math.log));
  // np.polyval: Horner.
  const pValue = Math.exp((c2 * statistic + c1) * statistic + c0);
  return { statistic, pValue, pValueCapped: false, criticalValues };
}

/**
 * A²akN (eq. 7): walk the distinct pooled values z_j in order; l_j is their
 * multiplicity in the pooled sample, B_j = #{pooled < z_j} + l_j / 2 and, per
 * sample i, M_ij = #{s_i ≤ z_j} − f_ij / 2 (f_ij the multiplicity in s_i):
 *   A²akN = (N − 1)/N · Σ_i 1/n_i Σ_j l_j/N · (N M_ij − B_j n_i)² / (B_j (N − B_j) − N l_j / 4).
 */
function midrankStatistic(samples: readonly Float64Array[], sizes: number[], N: number): number {
  const k = samples.length;
  const next = new Array<number>(k).fill(0); // per sample: index of the first value > current z
  const multiplicity = new Array<number>(k).fill(0);
  const sums = new Array<number>(k).fill(0);
  const compensations = new Array<number>(k).fill(0);
  let below = 0; // pooled values < z
  let distinct = 0;
  for (;;) {
    let z = Number.POSITIVE_INFINITY;
    let any = false;
    for (let i = 0; i < k; i++) {
      if (next[i]! < sizes[i]!) {
        const head = samples[i]![next[i]!]!;
        if (!any || head < z) z = head;
        any = true;
      }
    }
    if (!any) break;
    distinct++;
    let lj = 0;
    for (let i = 0; i < k; i++) {
      const s = samples[i]!;
      let p = next[i]!;
      const start = p;
      while (p < s.length && s[p]! <= z) p++;
      next[i] = p;
      multiplicity[i] = p - start;
      lj += p - start;
    }
    const bj = below + lj / 2;
    const denominator = bj * (N - bj) - (N * lj) / 4;
    for (let i = 0; i < k; i++) {
      const mij = next[i]! - multiplicity[i]! / 2;
      const diff = N * mij - bj * sizes[i]!;
      const term = ((lj / N) * (diff * diff)) / denominator;
      // Neumaier summation: the terms are >= 0, so this is within an ulp or two of exact.
      const t = sums[i]! + term;
      compensations[i]! += Math.abs(sums[i]!) >= Math.abs(term) ? sums[i]! - t + term : term - t + sums[i]!;
      sums[i] = t;
    }
    below += lj;
  }
  if (distinct < 2) {
    throw new RangeError('andersonDarlingKSample: needs more than one distinct observation');
  }
  let a2 = 0;
  for (let i = 0; i < k; i++) a2 += (sums[i]! + compensations[i]!) / sizes[i]!;
  return a2 * ((N - 1) / N);
}

/** σN² of A²kN under the null hypothesis (Scholz & Stephens eq. 4, as scipy evaluates it). */
function nullVariance(sizes: number[], N: number): number {
  const k = sizes.length;
  let H = 0;
  for (const n of sizes) H += 1 / n;
  // hs_cs[t] = Σ_{s ≤ t} 1/(N − 1 − s) for t = 0 … N − 3 (a running sum, as numpy's cumsum);
  // h = hs_cs[last] + 1; g = Σ_t hs_cs[t] / (t + 2).
  let cumulative = 0;
  let g = 0;
  let gCompensation = 0;
  for (let t = 0; t <= N - 3; t++) {
    cumulative += 1 / (N - 1 - t);
    const term = cumulative / (t + 2);
    const s = g + term;
    gCompensation += g >= term ? g - s + term : term - s + g;
    g = s;
  }
  g += gCompensation;
  const h = cumulative + 1;
  const a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * H;
  const b = (2 * g - 4) * (k * k) + 8 * h * k + (2 * g - 14 * h - 4) * H - 8 * h + 4 * g - 6;
  const c = (6 * h + 2 * g - 2) * (k * k) + (4 * h - 4 * g + 6) * k + (2 * h - 6) * H + 4 * h;
  const d = (2 * h + 6) * (k * k) - 4 * h * k;
  // N·N·N rounds once, like numpy's float(N**3) of the exact integer (exact N·N for N < 9e7).
  return (a * (N * N * N) + b * (N * N) + c * N + d) / ((N - 1) * (N - 2) * (N - 3));
}

/**
 * Coefficients [c2, c1, c0] of the least-squares parabola through (x_i, y_i)
 * (np.polyfit(x, y, 2)), by Householder QR of the Vandermonde matrix —
 * numerically equivalent to numpy's SVD-based lstsq for this well-conditioned
 * 7 × 3 problem.
 */
function quadraticLeastSquares(x: number[], y: number[]): [number, number, number] {
  const rows = x.length;
  const A = x.map((xi) => [xi * xi, xi, 1]);
  const b = y.slice();
  for (let col = 0; col < 3; col++) {
    let norm = 0;
    for (let r = col; r < rows; r++) norm += A[r]![col]! ** 2;
    norm = Math.sqrt(norm);
    const alpha = A[col]![col]! > 0 ? -norm : norm;
    const v = new Array<number>(rows).fill(0);
    for (let r = col; r < rows; r++) v[r] = A[r]![col]!;
    v[col]! -= alpha;
    let vv = 0;
    for (let r = col; r < rows; r++) vv += v[r]! ** 2;
    if (vv === 0) continue;
    for (let j = col; j < 3; j++) {
      let dot = 0;
      for (let r = col; r < rows; r++) dot += v[r]! * A[r]![j]!;
      const f = (2 * dot) / vv;
      for (let r = col; r < rows; r++) A[r]![j]! -= f * v[r]!;
    }
    let dot = 0;
    for (let r = col; r < rows; r++) dot += v[r]! * b[r]!;
    const f = (2 * dot) / vv;
    for (let r = col; r < rows; r++) b[r]! -= f * v[r]!;
  }
  const coef = [0, 0, 0];
  for (let i = 2; i >= 0; i--) {
    let s = b[i]!;
    for (let j = i + 1; j < 3; j++) s -= A[i]![j]! * coef[j]!;
    coef[i] = s / A[i]![i]!;
  }
  return [coef[0]!, coef[1]!, coef[2]!];
}
