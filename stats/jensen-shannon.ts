import { pairwiseSum } from './pairwise-sum.js';

/**
 * Jensen–Shannon distance, `scipy.spatial.distance.jensenshannon(p, q, base)`:
 * p and q are normalised to sum 1, m = (p + q) / 2, and
 *   JS = √((Σ rel_entr(p, m) + Σ rel_entr(q, m)) / 2 / ln(base)),
 * rel_entr(x, y) = x ln(x / y) (0 when x = 0), natural logarithm unless `base`
 * is given.  Evidently calls it without a base (natural log: the distance lies
 * in [0, √ln 2 ≈ 0.833]); base 2 gives [0, 1].
 *
 * Sums follow numpy's pairwise order.  One deliberate difference: when p and q
 * are equal up to rounding, the divergence can come out as a tiny negative
 * number, whose square root scipy returns as NaN; here it is clamped to 0.
 *
 * @throws RangeError on length mismatch, an empty input, or a negative or
 *   non-finite weight.  A zero total gives NaN, as scipy (0 / 0).
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>, base?: number): number {
  const k = p.length;
  if (q.length !== k) throw new RangeError(`jensenShannonDistance: p has ${k} entries, q has ${q.length}`);
  if (k === 0) throw new RangeError('jensenShannonDistance: empty distributions');
  checkWeights('p', p);
  checkWeights('q', q);
  if (base !== undefined && !(base > 0 && base !== 1 && base < Infinity)) {
    throw new RangeError(`jensenShannonDistance: base must be positive, finite and not 1, got ${base}`);
  }
  const pTotal = pairwiseSum(p);
  const qTotal = pairwiseSum(q);
  const left = new Float64Array(k);
  const right = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const pi = p[i]! / pTotal;
    const qi = q[i]! / qTotal;
    const mi = (pi + qi) / 2.0;
    left[i] = relativeEntropy(pi, mi);
    right[i] = relativeEntropy(qi, mi);
  }
  let js = pairwiseSum(left) + pairwiseSum(right);
  if (base !== undefined) js /= Math.log(base);
  const half = js / 2.0;
  return half < 0 ? 0 : Math.sqrt(half);
}

/** scipy.special.rel_entr for x, y >= 0: x ln(x / y), 0 when x = 0. */
function relativeEntropy(x: number, y: number): number {
  if (x !== x || y !== y) return Number.NaN;
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

function checkWeights(label: string, weights: ArrayLike<number>): void {
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i]!;
    if (!(w >= 0 && w < Infinity)) {
      throw new RangeError(`jensenShannonDistance: ${label}[${i}] is ${w}; weights must be finite and >= 0`);
    }
  }
}
