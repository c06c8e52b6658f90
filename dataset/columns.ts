/**
 * The columnar form the monitoring side works on: one typed array per column,
 * missing values marked in-band so nothing is dropped without being counted.
 */

/** NaN marks a missing value (±Infinity is read as missing too, as Evidently does). */
export interface NumericColumn {
  kind: 'numeric';
  values: Float64Array;
}

/** Dictionary-encoded: `codes[i]` indexes `categories`; -1 marks a missing value. */
export interface CategoricalColumn {
  kind: 'categorical';
  codes: Int32Array;
  categories: string[];
}

export type Column = NumericColumn | CategoricalColumn;

/** Equal-length columns by name, in the order they were read. */
export interface ColumnSet {
  rows: number;
  columns: Map<string, Column>;
}
