/**
 * Distinct-value counts for choosing a drift method the way Evidently does
 * (pandas `nunique`: -0 and +0 are one value).  The engine only asks "at most
 * 2 / 5 values?" and "more than 20?", so both functions stop as soon as the
 * count passes `cap` and then return cap + 1.
 */

/** Distinct values of an ascending-sorted, NaN-free array: min(count, cap + 1). */
export function countDistinct(sorted: Float64Array, cap: number = Number.POSITIVE_INFINITY): number {
  if (sorted.length === 0) return 0;
  let count = 1;
  if (count > cap) return count;
  let previous = sorted[0]!;
  for (let i = 1; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (v !== previous) {
      // `!==` treats -0 and +0 as equal, like pandas.
      count++;
      if (count > cap) return count;
      previous = v;
    }
  }
  return count;
}

/**
 * Distinct values of an unsorted, NaN-free array without sorting it:
 * min(count, cap + 1), with a Set (SameValueZero: -0 equals +0) that never
 * holds more than cap + 1 values.
 */
export function countDistinctUnsorted(values: Float64Array, cap: number): number {
  if (!(cap >= 0)) throw new RangeError(`countDistinctUnsorted: cap must be >= 0, got ${cap}`);
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    seen.add(values[i]!);
    if (seen.size > cap) return seen.size;
  }
  return seen.size;
}
