import type { CategoricalColumn } from '../dataset/columns.js';
import { DataError } from '../errors/index.js';
import { compareCodePoints } from './category-order.js';
import { runsOf } from './sorted-runs.js';

/**
 * Counts of each observed value in both windows, over the union of the values
 * either window contains (a value seen in neither is not a category here, as in
 * Evidently, which counts with pandas `value_counts`). Keys are in ascending
 * order: numbers numerically, category labels by Unicode code point (Python's
 * `sorted` on str) — the order Evidently's z-test takes its "first key" from.
 */
export interface ValueCounts {
  labels: string[];
  reference: Float64Array;
  current: Float64Array;
}

/** Value counts of two ascending numeric arrays (missing values already removed). */
export function numericValueCounts(referenceSorted: Float64Array, currentSorted: Float64Array): ValueCounts {
  const r = runsOf(referenceSorted)!;
  const c = runsOf(currentSorted)!;
  const labels: string[] = [];
  const reference: number[] = [];
  const current: number[] = [];
  let i = 0;
  let j = 0;
  while (i < r.values.length || j < c.values.length) {
    const x = i < r.values.length ? r.values[i]! : Infinity;
    const y = j < c.values.length ? c.values[j]! : Infinity;
    const v = x <= y ? x : y;
    labels.push(String(v));
    reference.push(x === v ? r.counts[i++]! : 0);
    current.push(y === v ? c.counts[j++]! : 0);
  }
  return { labels, reference: Float64Array.from(reference), current: Float64Array.from(current) };
}

/** Counts per dictionary code and the missing count (code -1); any other out-of-range code is a DataError. */
export function countCodes(column: CategoricalColumn, name: string, window: 'reference' | 'current'): { counts: Float64Array; missing: number } {
  const { codes, categories } = column;
  const size = categories.length;
  // Int32 counters: a window has fewer than 2^31 rows (codes is an Int32Array of that length).
  const counts = new Int32Array(size + 1);
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i]!;
    // One unsigned compare catches both -1 (missing, counted in the extra slot) and bad codes.
    if ((code >>> 0) < size) counts[code]!++;
    else if (code === -1) counts[size]!++;
    else {
      throw new DataError(`column "${name}" in the ${window} window: code ${code} at row ${i + 1} is not a category index (0..${size - 1}) or -1`, {
        column: name,
        window,
        row: i + 1,
      });
    }
  }
  return { counts: Float64Array.from(counts.subarray(0, size)), missing: counts[size]! };
}

/** Merges the per-code counts of the two windows by category label. */
export function categoricalValueCounts(
  referenceCategories: readonly string[],
  referenceCounts: Float64Array,
  currentCategories: readonly string[],
  currentCounts: Float64Array,
): ValueCounts {
  const byLabel = new Map<string, { reference: number; current: number }>();
  const add = (categories: readonly string[], counts: Float64Array, side: 'reference' | 'current'): void => {
    for (let k = 0; k < categories.length; k++) {
      const count = counts[k]!;
      if (count === 0) continue;
      const label = categories[k]!;
      let entry = byLabel.get(label);
      if (!entry) byLabel.set(label, (entry = { reference: 0, current: 0 }));
      entry[side] += count; // a label listed twice in a dictionary still counts once as a category
    }
  };
  add(referenceCategories, referenceCounts, 'reference');
  add(currentCategories, currentCounts, 'current');
  const labels = [...byLabel.keys()].sort(compareCodePoints);
  return {
    labels,
    reference: Float64Array.from(labels, (l) => byLabel.get(l)!.reference),
    current: Float64Array.from(labels, (l) => byLabel.get(l)!.current),
  };
}

/** Number of values with a non-zero count on the given side. */
export function observedValues(counts: Float64Array): number {
  let n = 0;
  for (let k = 0; k < counts.length; k++) if (counts[k]! > 0) n++;
  return n;
}
