import { sharesOf, type BinnedShares } from './binning.js';
import { firstNotBelow } from './sorted-histogram.js';

/**
 * Textbook PSI binning (`psi.strategy: quantile`): `bins` bins holding equal
 * shares of the reference. The inner edges are the reference's k/bins
 * quantiles (k = 1 … bins − 1) computed exactly as `numpy.quantile(ref, q)`
 * with its default method "linear" (Hyndman & Fan type 7: virtual index
 * (n − 1)·q, then numpy's `_lerp`, which interpolates from the upper neighbour
 * when the weight is ≥ 0.5) so edges — and therefore bin membership — are
 * bit-identical to numpy's. Repeated edges (ties in the reference) collapse
 * into one. The outer bins are open-ended, so current values outside the
 * reference range still land in the first or last bin. A value equal to an
 * edge belongs to the bin above it (`np.searchsorted(edges, x, side="right")`).
 */
export function referenceQuantileEdges(referenceSorted: Float64Array, bins: number): Float64Array {
  const n = referenceSorted.length;
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const q = k / bins;
    const virtual = (n - 1) * q;
    let edge: number;
    if (virtual >= n - 1) {
      edge = referenceSorted[n - 1]!;
    } else {
      const below = Math.floor(virtual);
      const gamma = virtual - below;
      const a = referenceSorted[below]!;
      const b = referenceSorted[below + 1]!;
      const diff = b - a;
      edge = gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
    }
    if (edges.length === 0 || edges[edges.length - 1] !== edge) edges.push(edge);
  }
  return Float64Array.from(edges);
}

/** Shares of each window in the bins (−∞, e₁), [e₁, e₂), …, [e_last, +∞) — both windows ascending. */
export function quantileBinShares(referenceSorted: Float64Array, currentSorted: Float64Array, innerEdges: Float64Array): BinnedShares {
  return {
    reference: sharesOf(countBelowEdges(referenceSorted, innerEdges), referenceSorted.length),
    current: sharesOf(countBelowEdges(currentSorted, innerEdges), currentSorted.length),
  };
}

/** Counts per bin of an ascending array, by one binary search per edge. */
function countBelowEdges(sorted: Float64Array, innerEdges: Float64Array): Float64Array {
  const counts = new Float64Array(innerEdges.length + 1);
  let previous = 0;
  for (let k = 0; k < innerEdges.length; k++) {
    const below = firstNotBelow(sorted, innerEdges[k]!);
    counts[k] = below - previous;
    previous = below;
  }
  counts[innerEdges.length] = sorted.length - previous;
  return counts;
}
