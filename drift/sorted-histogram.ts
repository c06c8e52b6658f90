/**
 * `numpy.histogram(values, edges)[0]` for values already sorted ascending:
 * bin i holds edges[i] ≤ x < edges[i+1], the last bin also x = edges[last],
 * values outside [edges[0], edges[last]] are not counted — the same membership
 * as stats/histogramCounts (numpy's), found with one binary search per edge
 * instead of one pass over the values: a 30-bin histogram of a million sorted
 * values costs ~600 comparisons instead of a million.
 */
export function sortedHistogramCounts(sorted: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  let start = firstNotBelow(sorted, edges[0]!);
  for (let b = 0; b < bins - 1; b++) {
    const end = firstNotBelow(sorted, edges[b + 1]!);
    counts[b] = end - start;
    start = end;
  }
  counts[bins - 1] = firstAbove(sorted, edges[bins]!) - start;
  return counts;
}

/** Index of the first value ≥ x. */
export function firstNotBelow(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first value > x. */
function firstAbove(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

