/**
 * Runs of equal values in an ascending array: the distinct values and how many
 * times each occurs. Each run's end is found by galloping (exponential then
 * binary search), so a column of a million rows with a handful of distinct
 * values costs a few dozen comparisons, and an all-distinct column stays O(n).
 * Equality is `===`-based, so -0 and +0 are one value (as pandas counts them).
 */

/** First index ≥ `from` whose value is greater than `value` (`sorted[from] <= value` is assumed). */
function endOfRun(sorted: Float64Array, from: number, value: number): number {
  const n = sorted.length;
  let step = 1;
  let lo = from; // sorted[lo] <= value
  while (lo + step < n && sorted[lo + step]! <= value) {
    lo += step;
    step *= 2;
  }
  let hi = Math.min(lo + step, n); // sorted[hi] > value, or hi === n
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= value) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The distinct values of an ascending array, or null as soon as there are more than `cap`. */
export function distinctUpTo(sorted: Float64Array, cap: number): Float64Array | null {
  const found: number[] = [];
  let i = 0;
  while (i < sorted.length) {
    if (found.length === cap) return null;
    const v = sorted[i]!;
    found.push(v);
    i = endOfRun(sorted, i, v);
  }
  return Float64Array.from(found);
}

/** Value counts of an ascending array, or null as soon as there are more than `cap` distinct values. */
export function runsOf(sorted: Float64Array, cap = Infinity): { values: Float64Array; counts: Float64Array } | null {
  const values: number[] = [];
  const counts: number[] = [];
  let i = 0;
  while (i < sorted.length) {
    if (values.length >= cap) return null;
    const v = sorted[i]!;
    const end = endOfRun(sorted, i, v);
    values.push(v);
    counts.push(end - i);
    i = end;
  }
  return { values: Float64Array.from(values), counts: Float64Array.from(counts) };
}
