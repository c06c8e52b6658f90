import type { Column, ColumnSet } from '../dataset/columns.js';
import { ConfigError, DataError } from '../errors/index.js';

/** One column as seen in both windows. */
export interface ColumnPair {
  name: string;
  reference: Column;
  current: Column;
}

/**
 * Pairs up the columns to check. An explicit list must name columns present in
 * both windows; without one, every column the two windows share is checked (in
 * the reference's order). Either way both sides must have the same kind: a
 * column read as numeric in one window and categorical in the other cannot be
 * compared, and saying so beats guessing.
 */
export function pairColumns(reference: ColumnSet, current: ColumnSet, columns?: readonly string[]): ColumnPair[] {
  const names = columns ?? [...reference.columns.keys()].filter((name) => current.columns.has(name));
  const seen = new Set<string>();
  return names.map((name) => {
    if (seen.has(name)) throw new ConfigError(`column "${name}" is listed twice`, { column: name });
    seen.add(name);
    const ref = reference.columns.get(name);
    const cur = current.columns.get(name);
    if (!ref || !cur) {
      const missingFrom = !ref && !cur ? 'both the reference and the current window' : !ref ? 'the reference window' : 'the current window';
      throw new DataError(`column "${name}" is not in ${missingFrom}`, { column: name, window: !ref && !cur ? 'both' : !ref ? 'reference' : 'current' });
    }
    if (ref.kind !== cur.kind) {
      throw new DataError(`column "${name}" is ${ref.kind} in the reference window but ${cur.kind} in the current window`, {
        column: name,
        reference: ref.kind,
        current: cur.kind,
      });
    }
    checkLength(name, 'reference', ref, reference.rows);
    checkLength(name, 'current', cur, current.rows);
    return { name, reference: ref, current: cur };
  });
}

function checkLength(name: string, window: 'reference' | 'current', column: Column, rows: number): void {
  const length = column.kind === 'numeric' ? column.values.length : column.codes.length;
  if (length !== rows) {
    throw new DataError(`column "${name}" has ${length} values in the ${window} window, which has ${rows} rows`, { column: name, window });
  }
}
