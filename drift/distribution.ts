import { histogramBinEdges } from '../stats/index.js';
import type { ColumnDistribution } from './report.js';
import { sharesOf } from './binning.js';
import { pooledDistinct, type PreparedColumn } from './prepared-column.js';
import type { ValueCounts } from './value-counts.js';

/** At most this many equal-width bins per numeric histogram (Sturges' count when that is smaller). */
export const MAX_HISTOGRAM_BINS = 30;
/** At most this many bars per categorical chart; the rest are summed into `other`. */
export const MAX_CATEGORIES = 20;
/** A numeric column with at most this many distinct values (pooled) is charted as bars, one per value. */
export const BARS_UP_TO_DISTINCT = 20;

/**
 * What the report's charts draw: each window's shares of its non-missing
 * rows on one binning shared by both windows. Undefined when neither window
 * has a value.
 */
export function columnDistribution(column: PreparedColumn): ColumnDistribution | undefined {
  if (column.kind === 'categorical') {
    return column.rows.reference + column.rows.current > 0 ? categories(column.counts) : undefined;
  }
  const count = column.rows.reference + column.rows.current;
  if (count === 0) return undefined;
  if (pooledDistinct(column, BARS_UP_TO_DISTINCT) <= BARS_UP_TO_DISTINCT) return categories(column.valueCounts());
  const { min, max } = column.pooledRange();
  let edges: Float64Array;
  try {
    edges = histogramBinEdges(min, max, count, 'sturges');
    if (edges.length - 1 > MAX_HISTOGRAM_BINS) edges = histogramBinEdges(min, max, count, MAX_HISTOGRAM_BINS);
  } catch (err) {
    // A range too narrow for distinct edges (values a few ulps apart): one bar per value instead.
    if (err instanceof RangeError) return categories(column.valueCounts());
    throw err;
  }
  const counts = column.histogram(edges);
  return {
    kind: 'histogram',
    edges: Array.from(edges),
    reference: Array.from(sharesOf(counts.reference, column.rows.reference)),
    current: Array.from(sharesOf(counts.current, column.rows.current)),
  };
}

/** The most frequent values (by the sum of both windows' shares, ties in label order) and the rest as `other`. */
function categories(counts: ValueCounts): ColumnDistribution {
  const refRows = total(counts.reference);
  const curRows = total(counts.current);
  const ref = sharesOf(counts.reference, refRows);
  const cur = sharesOf(counts.current, curRows);
  const order = counts.labels.map((_, k) => k).sort((a, b) => ref[b]! + cur[b]! - (ref[a]! + cur[a]!) || a - b);
  const shown = order.slice(0, MAX_CATEGORIES);
  let otherRef = 0;
  let otherCur = 0;
  for (const k of order.slice(MAX_CATEGORIES)) {
    otherRef += counts.reference[k]!;
    otherCur += counts.current[k]!;
  }
  return {
    kind: 'categories',
    categories: shown.map((k) => counts.labels[k]!),
    reference: shown.map((k) => ref[k]!),
    current: shown.map((k) => cur[k]!),
    other: { reference: refRows > 0 ? otherRef / refRows : 0, current: curRows > 0 ? otherCur / curRows : 0 },
  };
}

function total(counts: Float64Array): number {
  let s = 0;
  for (let k = 0; k < counts.length; k++) s += counts[k]!;
  return s;
}
