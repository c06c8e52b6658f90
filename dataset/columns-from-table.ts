import type { Feature } from '../config/pipeline.js';
import { CategoricalBuilder, NumericBuilder } from './column-builder.js';
import { missingColumnError, notNumericError } from './column-errors.js';
import type { Column, ColumnSet } from './columns.js';
import type { RawTable } from './csv.js';
import { parseNumericText } from './numeric-text.js';
import { isMissing } from './table.js';

/**
 * The columnar form (dataset/columns.ts) of a table read as strings: a
 * prediction-log or query window. The same cell rules and errors as the
 * file readers (dataset/read-columns.ts), so a window means the same thing
 * whichever source it came from.
 */
export function columnsFromTable(raw: RawTable, features: readonly Feature[]): ColumnSet {
  const columns = new Map<string, Column>();
  for (const f of features) {
    const idx = raw.header.indexOf(f.name);
    if (idx < 0) throw missingColumnError(raw.file, f.name, raw.header);
    columns.set(f.name, f.kind === 'numeric' ? numericColumn(raw, idx, f.name) : categoricalColumn(raw, idx));
  }
  return { rows: raw.rows.length, columns };
}

function numericColumn(raw: RawTable, idx: number, name: string): Column {
  const out = new NumericBuilder(raw.rows.length);
  raw.rows.forEach((row, i) => {
    const text = row[idx] ?? '';
    const v = parseNumericText(text);
    if (v === undefined) throw notNumericError(raw.file, name, i + 1, text);
    out.push(v);
  });
  return out.finish();
}

function categoricalColumn(raw: RawTable, idx: number): Column {
  const out = new CategoricalBuilder(raw.rows.length);
  for (const row of raw.rows) {
    const text = row[idx] ?? '';
    out.push(isMissing(text) ? null : text);
  }
  return out.finish();
}
