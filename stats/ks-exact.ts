/**
 * Exact two-sample distribution of the two-sided KS statistic D_{m,n}: the
 * p-values scipy `ks_2samp` computes with method="exact".
 */

/**
 * Pr(D_{n,n} >= h/n), scipy `_compute_prob_outside_square`:
 *   P = 2 * (C(2n, n-h) - C(2n, n-2h) + C(2n, n-3h) - ...) / C(2n, n)
 * evaluated as P = 2*A0*(1 - A1*(1 - A2*(1 - ...))) (Horner-like, each Ai a
 * product of h ratios) to avoid subtractive cancellation.  Same operation
 * order as scipy so that the same roundings (e.g. 1.0000000000000002) occur.
 */
export function computeProbOutsideSquare(n: number, h: number): number {
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
export function computeOuterProbInsideMethod(m: number, n: number, g: number, h: number): number {
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
