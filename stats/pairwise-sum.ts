/**
 * numpy's summation order for `np.sum` / `np.add.reduce` over a contiguous
 * float64 array: pairwise summation with blocks of 128 and an 8-way unrolled
 * inner loop (numpy/_core/src/umath/loops_utils.h.src, `pairwise_sum`).
 * Following the same order lets sums of mixed-sign terms (Jensen–Shannon,
 * PSI) agree with SciPy to the last bits, not only to a tolerance; its error
 * grows as O(log n) instead of the naive loop's O(n).
 */

const BLOCK = 128;

/** Σ values[from..to) in numpy's order. */
export function pairwiseSum(values: ArrayLike<number>, from = 0, to = values.length): number {
  const n = to - from;
  if (n < 8) {
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[i]!;
    return sum;
  }
  if (n <= BLOCK) {
    let r0 = values[from]!;
    let r1 = values[from + 1]!;
    let r2 = values[from + 2]!;
    let r3 = values[from + 3]!;
    let r4 = values[from + 4]!;
    let r5 = values[from + 5]!;
    let r6 = values[from + 6]!;
    let r7 = values[from + 7]!;
    const unrolledEnd = to - (n % 8);
    let i = from + 8;
    for (; i < unrolledEnd; i += 8) {
      r0 += values[i]!;
      r1 += values[i + 1]!;
      r2 += values[i + 2]!;
      r3 += values[i + 3]!;
      r4 += values[i + 4]!;
      r5 += values[i + 5]!;
      r6 += values[i + 6]!;
      r7 += values[i + 7]!;
    }
    let sum = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < to; i++) sum += values[i]!;
    return sum;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(values, from, from + half) + pairwiseSum(values, from + half, to);
}
