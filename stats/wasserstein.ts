/**
 * First Wasserstein (earth mover's) distance between two unweighted empirical
 * distributions, `scipy.stats.wasserstein_distance(u, v)`:
 *
 *   W1 = ∫ |F_u(x) − F_v(x)| dx = Σ_k |F_u(x_k) − F_v(x_k)| · (x_{k+1} − x_k)
 *
 * over the pooled sorted values x_k (scipy/stats/_stats_py.py `_cdf_distance`
 * with p = 1).  The ECDFs are count/size, as scipy's searchsorted(…, 'right') /
 * size, and each term is formed with the same operations, so only the
 * summation order differs: scipy takes a dot product, here a compensated
 * (Neumaier) sum keeps the result within a few ulps of the exact sum.
 *
 * Both inputs must be sorted ascending and free of NaN (one O(n + m) merge
 * pass, no allocation).  Evidently's normed form divides this by
 * max(std(reference), 0.001) — that is the caller's job.
 *
 * @throws RangeError if either sample is empty (scipy raises too).
 */
export function wassersteinDistance(uSorted: Float64Array, vSorted: Float64Array): number {
  const n = uSorted.length;
  const m = vSorted.length;
  if (n === 0 || m === 0) {
    throw new RangeError(`wassersteinDistance: the ${n === 0 ? 'first' : 'second'} sample is empty`);
  }
  let i = 0; // u values <= current x
  let j = 0; // v values <= current x
  let sum = 0;
  let compensation = 0;
  // Current pooled value: the smaller of the two heads.
  let x = uSorted[0]! <= vSorted[0]! ? uSorted[0]! : vSorted[0]!;
  while (i < n || j < m) {
    while (i < n && uSorted[i]! <= x) i++;
    while (j < m && vSorted[j]! <= x) j++;
    if (i === n && j === m) break; // x is the largest pooled value: no interval after it
    const next = i === n ? vSorted[j]! : j === m ? uSorted[i]! : Math.min(uSorted[i]!, vSorted[j]!);
    const term = Math.abs(i / n - j / m) * (next - x);
    // Neumaier's variant of Kahan summation (all terms are >= 0).
    const t = sum + term;
    compensation += sum >= term ? sum - t + term : term - t + sum;
    sum = t;
    x = next;
  }
  return sum + compensation;
}
