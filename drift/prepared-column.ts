import type { NumericColumn } from '../dataset/columns.js';
import { histogramCounts, sortFloat64, sortFloat64InPlace } from '../stats/index.js';
import type { ColumnPair } from './column-pairs.js';
import { fewDistinctValues, unionSize } from './few-values.js';
import { sortedHistogramCounts } from './sorted-histogram.js';
import type { SortWorkspace } from './sort-workspace.js';
import { distinctUpTo } from './sorted-runs.js';
import { categoricalValueCounts, countCodes, numericValueCounts, observedValues, type ValueCounts } from './value-counts.js';

/**
 * A column made ready for testing: missing values counted and set aside, the
 * rest in the form the methods work from. Numeric columns keep their finite
 * values and sort them only when a method needs the order (KS, Wasserstein,
 * per-value counts); one sorted copy per window then serves every later use
 * (distinct counts, histograms by binary search). Methods that only bin
 * (Jensen–Shannon, PSI) never pay for a sort. Categorical columns become
 * counts per category.
 */
export type PreparedColumn = PreparedNumeric | PreparedCategorical;

export interface Windows<T> {
  reference: T;
  current: T;
}

export interface PreparedCategorical {
  kind: 'categorical';
  name: string;
  counts: ValueCounts;
  rows: Windows<number>;
  missing: Windows<number>;
  total: Windows<number>;
}

export interface PrepareOptions {
  /**
   * The column arrays belong to the caller alone (a worker's private copies):
   * they may be compacted and sorted in place instead of copied.
   */
  ownsInput?: boolean | Windows<boolean>;
  /**
   * Buffers reused across columns for copies and the sort's scratch (see
   * SortWorkspace). The prepared column then only lives until the next one is
   * prepared with the same workspace. Without one, each column allocates.
   */
  workspace?: SortWorkspace;
}

export function prepareColumn(pair: ColumnPair, options: PrepareOptions = {}): PreparedColumn {
  const { name, reference, current } = pair;
  if (reference.kind === 'numeric' && current.kind === 'numeric') {
    const owns = options.ownsInput ?? false;
    const [ownsReference, ownsCurrent] = typeof owns === 'boolean' ? [owns, owns] : [owns.reference, owns.current];
    const workspace = options.workspace;
    return new PreparedNumeric(
      name,
      finiteValues(reference, ownsReference, workspace && ((n) => workspace.window('reference', n))),
      finiteValues(current, ownsCurrent, workspace && ((n) => workspace.window('current', n))),
      workspace,
    );
  }
  if (reference.kind === 'categorical' && current.kind === 'categorical') {
    const ref = countCodes(reference, name, 'reference');
    const cur = countCodes(current, name, 'current');
    return {
      kind: 'categorical',
      name,
      counts: categoricalValueCounts(reference.categories, ref.counts, current.categories, cur.counts),
      rows: { reference: reference.codes.length - ref.missing, current: current.codes.length - cur.missing },
      missing: { reference: ref.missing, current: cur.missing },
      total: { reference: reference.codes.length, current: current.codes.length },
    };
  }
  throw new TypeError(`column "${name}": mixed kinds reached prepareColumn`); // pairColumns rules this out
}

/** One window's finite values (input order until sorted) and what the first pass learnt. */
interface FiniteValues {
  values: Float64Array;
  /** Whether `values` may be reordered in place (a private buffer, not the caller's column). */
  mutable: boolean;
  /** Where to copy read-only `values` before sorting them (a workspace buffer); a new array when absent. */
  buffer: ((length: number) => Float64Array) | undefined;
  missing: number;
  total: number;
  min: number;
  max: number;
}

export class PreparedNumeric {
  readonly kind = 'numeric' as const;
  readonly rows: Windows<number>;
  readonly missing: Windows<number>;
  readonly total: Windows<number>;
  #sorted: Windows<Float64Array> | undefined;
  #valueCounts: ValueCounts | undefined;
  #histogram: { edges: Float64Array; counts: Windows<Float64Array> } | undefined;

  constructor(
    readonly name: string,
    private readonly reference: FiniteValues,
    private readonly current: FiniteValues,
    private readonly workspace?: SortWorkspace,
  ) {
    this.rows = { reference: reference.values.length, current: current.values.length };
    this.missing = { reference: reference.missing, current: current.missing };
    this.total = { reference: reference.total, current: current.total };
  }

  /** Both windows' finite values, ascending (sorted on first use). */
  sorted(): Windows<Float64Array> {
    return (this.#sorted ??= { reference: sortWindow(this.reference, this.workspace), current: sortWindow(this.current, this.workspace) });
  }

  /** Both windows' finite values in no particular order (sorted if that already happened). */
  values(): Windows<Float64Array> {
    return this.#sorted ?? { reference: this.reference.values, current: this.current.values };
  }

  /** Smallest and largest finite value over both windows (±Infinity when both are empty). */
  pooledRange(): { min: number; max: number } {
    return { min: Math.min(this.reference.min, this.current.min), max: Math.max(this.reference.max, this.current.max) };
  }

  /** Distinct values pooled over both windows, exact up to `cap` (more reads as cap + 1). */
  pooledDistinct(cap: number): number {
    const ref = this.#distinct(this.reference, this.#sorted?.reference, cap);
    if (!ref) return cap + 1;
    const cur = this.#distinct(this.current, this.#sorted?.current, cap);
    if (!cur) return cap + 1;
    return Math.min(unionSize(ref, cur), cap + 1);
  }

  /** Distinct values of the reference window, exact up to `cap`. */
  referenceDistinct(cap: number): number {
    return this.#distinct(this.reference, this.#sorted?.reference, cap)?.length ?? cap + 1;
  }

  /** Counts per value (the values as categories), over both windows. */
  valueCounts(): ValueCounts {
    if (!this.#valueCounts) {
      const { reference, current } = this.sorted();
      this.#valueCounts = numericValueCounts(reference, current);
    }
    return this.#valueCounts;
  }

  /**
   * numpy.histogram counts of both windows on shared edges. The last result is
   * kept: the chart's histogram and the Sturges binning of Jensen–Shannon/PSI
   * usually share their edges, and an unsorted column costs a pass per count.
   */
  histogram(edges: Float64Array): Windows<Float64Array> {
    const last = this.#histogram;
    if (last && sameValues(last.edges, edges)) return last.counts;
    const sorted = this.#sorted;
    const counts = sorted
      ? { reference: sortedHistogramCounts(sorted.reference, edges), current: sortedHistogramCounts(sorted.current, edges) }
      : { reference: histogramCounts(this.reference.values, edges), current: histogramCounts(this.current.values, edges) };
    this.#histogram = { edges, counts };
    return counts;
  }

  /** One value, the same in both windows (and at least one row in each). */
  isConstantAndEqual(): boolean {
    const { reference: r, current: c } = this;
    return r.values.length > 0 && c.values.length > 0 && r.min === r.max && c.min === c.max && r.min === c.min;
  }

  #distinct(window: FiniteValues, sorted: Float64Array | undefined, cap: number): Float64Array | null {
    return sorted ? distinctUpTo(sorted, cap) : fewDistinctValues(window.values, cap);
  }
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (!Object.is(a[k], b[k])) return false;
  return true;
}

function sortWindow(window: FiniteValues, workspace: SortWorkspace | undefined): Float64Array {
  const n = window.values.length;
  if (!workspace) return window.mutable ? sortFloat64InPlace(window.values) : sortFloat64(window.values);
  let values = window.values;
  if (!window.mutable) {
    values = window.buffer!(n);
    values.set(window.values);
  }
  return sortFloat64InPlace(values, workspace.scratch(n));
}

/**
 * The finite values of a numeric column. NaN marks a missing value and
 * ±Infinity counts as missing too (Evidently replaces ±inf with NaN and drops
 * both). `v - v === 0` holds exactly for finite v, so one comparison per row
 * does the counting; min and max come from the same pass. With nothing
 * missing the column itself is used (read-only) — no copy.
 */
function finiteValues(column: NumericColumn, ownsInput: boolean, buffer: ((length: number) => Float64Array) | undefined): FiniteValues {
  const values = column.values;
  const n = values.length;
  let missing = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v - v !== 0) missing++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (missing === 0) return { values, mutable: ownsInput, buffer, missing, total: n, min, max };
  const finite = ownsInput ? values : buffer ? buffer(n - missing) : new Float64Array(n - missing);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v - v === 0) finite[k++] = v;
  }
  return { values: finite.subarray(0, k), mutable: true, buffer, missing, total: n, min, max };
}

/** Distinct values pooled over both windows, exact up to `cap`. */
export function pooledDistinct(column: PreparedColumn, cap: number): number {
  if (column.kind === 'numeric') return column.pooledDistinct(cap);
  return Math.min(column.counts.labels.length, cap + 1);
}

/** Distinct values of the reference window alone, exact up to `cap`. */
export function referenceDistinct(column: PreparedColumn, cap: number): number {
  if (column.kind === 'numeric') return column.referenceDistinct(cap);
  return Math.min(observedValues(column.counts.reference), cap + 1);
}

/** One value, the same in both windows (and at least one row in each). */
export function isConstantAndEqual(column: PreparedColumn): boolean {
  if (column.kind === 'numeric') return column.isConstantAndEqual();
  return column.counts.labels.length === 1 && column.rows.reference > 0 && column.rows.current > 0;
}
