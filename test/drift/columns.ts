/** Small seeded builders of ColumnSets for the drift engine's tests. */
import type { CategoricalColumn, Column, ColumnSet, NumericColumn } from '../../dataset/columns.js';
import { mulberry32 } from '../../dataset/synthetic.js';

export function numeric(values: ArrayLike<number>): NumericColumn {
  return { kind: 'numeric', values: Float64Array.from(values) };
}

/** Dictionary-encodes labels; null is missing (code -1). */
export function categorical(labels: readonly (string | null)[]): CategoricalColumn {
  const categories: string[] = [];
  const index = new Map<string, number>();
  const codes = Int32Array.from(labels, (label) => {
    if (label === null) return -1;
    let code = index.get(label);
    if (code === undefined) {
      code = categories.length;
      categories.push(label);
      index.set(label, code);
    }
    return code;
  });
  return { kind: 'categorical', codes, categories };
}

export function columnSet(columns: Record<string, Column>): ColumnSet {
  const entries = Object.entries(columns);
  const rows = entries.length === 0 ? 0 : length(entries[0]![1]);
  for (const [name, column] of entries) {
    if (length(column) !== rows) throw new Error(`test data: column ${name} has ${length(column)} rows, expected ${rows}`);
  }
  return { rows, columns: new Map(entries) };
}

function length(column: Column): number {
  return column.kind === 'numeric' ? column.values.length : column.codes.length;
}

/** A seeded source of normal and uniform draws. */
export function random(seed: number): { uniform(): number; normal(mean?: number, sd?: number): number; normals(n: number, mean?: number, sd?: number): Float64Array; pick<T>(items: readonly T[], n: number): T[] } {
  const next = mulberry32(seed);
  const normal = (mean = 0, sd = 1): number => {
    // Box–Muller; 1 - u keeps the log argument in (0, 1].
    const u = 1 - next();
    const v = next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return {
    uniform: next,
    normal,
    normals: (n, mean = 0, sd = 1) => Float64Array.from({ length: n }, () => normal(mean, sd)),
    pick: (items, n) => Array.from({ length: n }, () => items[Math.floor(next() * items.length)]!),
  };
}
