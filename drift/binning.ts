import { histogramBinEdges } from '../stats/index.js';
import { referenceDistinct, type PreparedColumn } from './prepared-column.js';
import type { ValueCounts } from './value-counts.js';

/** Shares of each window's non-missing rows over one binning shared by both windows. */
export interface BinnedShares {
  reference: Float64Array;
  current: Float64Array;
}

/**
 * Above this many distinct reference values a numeric column is binned into a
 * histogram; at or below it each value is its own bin (Evidently 0.7.23,
 * legacy/calculations/stattests/utils.py `get_binned_data`).
 */
export const HISTOGRAM_ABOVE_DISTINCT = 20;

/**
 * The binning Jensen–Shannon and (by default) PSI compare, as Evidently's
 * `get_binned_data` builds it: a numeric column with more than 20 distinct
 * reference values gets numpy's Sturges bins over the pooled non-missing
 * values (`np.histogram_bin_edges(pooled, "sturges")`, counts as
 * `np.histogram`); anything else gets one bin per value over the union of both
 * windows' values. The empty-bin epsilon is the caller's business (PSI applies
 * it, Jensen–Shannon does not).
 */
export function evidentlyBins(column: PreparedColumn): BinnedShares {
  if (column.kind === 'numeric' && referenceDistinct(column, HISTOGRAM_ABOVE_DISTINCT) > HISTOGRAM_ABOVE_DISTINCT) {
    const { min, max } = column.pooledRange();
    const edges = histogramBinEdges(min, max, column.rows.reference + column.rows.current, 'sturges');
    const counts = column.histogram(edges);
    return {
      reference: sharesOf(counts.reference, column.rows.reference),
      current: sharesOf(counts.current, column.rows.current),
    };
  }
  return valueShares(column.kind === 'numeric' ? column.valueCounts() : column.counts);
}

/** One bin per value: count / non-missing rows of the window. */
export function valueShares(counts: ValueCounts): BinnedShares {
  return { reference: sharesOf(counts.reference, sum(counts.reference)), current: sharesOf(counts.current, sum(counts.current)) };
}

export function sharesOf(counts: ArrayLike<number>, rows: number): Float64Array {
  const shares = new Float64Array(counts.length);
  if (rows === 0) return shares;
  for (let k = 0; k < counts.length; k++) shares[k] = counts[k]! / rows;
  return shares;
}

function sum(values: Float64Array): number {
  let s = 0;
  for (let k = 0; k < values.length; k++) s += values[k]!;
  return s;
}
