/**
 * Equal-width histograms exactly as numpy builds them (numpy 2.x,
 * numpy/lib/_histograms_impl.py: `_get_outer_edges`, `_get_bin_edges`,
 * `histogram`; numpy/_core/function_base.py: `linspace`).  Evidently bins a
 * numeric column for PSI and Jensen–Shannon with
 * `np.histogram_bin_edges(reference ∪ current, bins="sturges")` and counts each
 * sample with `np.histogram(sample, edges)`: the edges must be bit-identical
 * and bin membership must agree for every value, or the shares (and verdicts
 * near a threshold) differ.
 */

/**
 * `numpy.histogram_bin_edges(a, bins)` for an array `a` of `count` finite
 * values whose smallest is `min` and largest is `max`.
 *
 * - empty `a` (count 0): numpy uses the range [0, 1];
 * - min == max: the range is widened to [min − 0.5, max + 0.5];
 * - `bins` integer: that many equal bins;
 * - `'sturges'`: numpy computes a *width*, (max − min) / (log2(count) + 1), then
 *   ceil((last − first) / width) bins (one bin when the width is 0, i.e. for
 *   a constant sample).  `Math.log2` may differ from the C library's log2 by
 *   one ulp, which cannot move the ceiling: log2(count) + 1 is an integer only
 *   for powers of two, where both are exact, and otherwise lies farther than
 *   2^-40 from the next integer for any count below 2^40.
 * - edges are numpy's linspace: first + i·step with step = (last − first) / bins
 *   (i / bins · (last − first) + first when the step underflows to 0), the last
 *   edge set to `last` exactly.
 *
 * @throws RangeError on non-finite bounds, min > max, a bad count or bin
 *   number, or a range too narrow for `bins` distinct edges (numpy's
 *   "Too many bins for data range").
 */
export function histogramBinEdges(
  min: number,
  max: number,
  count: number,
  bins: number | 'sturges',
): Float64Array {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`histogramBinEdges: count must be a non-negative integer, got ${count}`);
  }
  let first: number;
  let last: number;
  if (count === 0) {
    first = 0;
    last = 1;
  } else {
    if (!Number.isFinite(min) || !Number.isFinite(max)) {
      throw new RangeError(`histogramBinEdges: the range [${min}, ${max}] is not finite`);
    }
    if (min > max) throw new RangeError(`histogramBinEdges: min ${min} is larger than max ${max}`);
    first = min;
    last = max;
  }
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }

  let binCount: number;
  if (bins === 'sturges') {
    if (count === 0) {
      binCount = 1;
    } else {
      // numpy `_hist_bin_sturges`: the peak-to-peak of the data itself, not the widened range.
      const width = (max - min) / (Math.log2(count) + 1.0);
      binCount = width !== 0 ? Math.ceil((last - first) / width) : 1;
    }
  } else {
    if (!Number.isInteger(bins) || bins < 1) {
      throw new RangeError(`histogramBinEdges: bins must be a positive integer or 'sturges', got ${bins}`);
    }
    binCount = bins;
  }

  const edges = linspace(first, last, binCount + 1);
  for (let i = 0; i < binCount; i++) {
    // `!(a < b)` also catches NaN edges from an overflowing range.
    if (!(edges[i]! < edges[i + 1]!)) {
      throw new RangeError(
        `histogramBinEdges: too many bins for data range; cannot create ${binCount} finite-sized bins in [${first}, ${last}]`,
      );
    }
  }
  return edges;
}

/** numpy.linspace(start, stop, num, endpoint=True) in float64, operation for operation. */
function linspace(start: number, stop: number, num: number): Float64Array {
  const y = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  if (step === 0) {
    // numpy's branch for subnormal steps (gh-5437): y = i / div * delta.
    for (let i = 0; i < num; i++) y[i] = (i / div) * delta + start;
  } else {
    for (let i = 0; i < num; i++) y[i] = i * step + start;
  }
  y[num - 1] = stop;
  return y;
}

/**
 * `numpy.histogram(values, edges)[0]` as float64 counts: bin i holds
 * edges[i] ≤ x < edges[i+1], the last bin also x = edges[last]; values outside
 * [edges[0], edges[last]] (and NaN) are not counted.
 *
 * For the uniform edges of `histogramBinEdges` the bin is found in O(1) the
 * way numpy's fast path does — (x − first) / (last − first) · bins, truncated —
 * and then corrected against the actual edges, since that index can be one off
 * within an ulp of an edge.  The correction loops until the edges agree, so
 * membership is exactly the edges' (what `np.histogram` with an edge array
 * computes by binary search), for any increasing edges; non-uniform edges are
 * merely slower.
 */
export function histogramCounts(values: Float64Array, edges: Float64Array): Float64Array {
  const binCount = edges.length - 1;
  if (binCount < 1) {
    throw new RangeError(`histogramCounts: need at least 2 edges, got ${edges.length}`);
  }
  for (let i = 0; i < binCount; i++) {
    if (!(edges[i]! <= edges[i + 1]!)) {
      throw new RangeError(`histogramCounts: edges must increase monotonically (edge ${i + 1})`);
    }
  }
  const counts = new Float64Array(binCount);
  const first = edges[0]!;
  const last = edges[binCount]!;
  const range = last - first;
  const lastBin = binCount - 1;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!(x >= first && x <= last)) continue; // outside, or NaN
    let bin = Math.trunc(((x - first) / range) * binCount);
    if (!(bin <= lastBin)) bin = lastBin; // x == last, or a zero-width range (NaN index)
    while (bin > 0 && x < edges[bin]!) bin--;
    while (bin < lastBin && x >= edges[bin + 1]!) bin++;
    counts[bin]!++;
  }
  return counts;
}
