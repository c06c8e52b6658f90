import type { Feature } from '../config/pipeline.js';
import { DataError } from '../errors/index.js';
import type { ColumnSet, Column } from './columns.js';
import type { RawTable } from './csv.js';
import { isMissing } from './table.js';

/**
 * The columnar form (dataset/columns.ts) of a table read as strings: a
 * prediction-log or query window, or any RawTable. Same missing-value rules as
 * dataset/table.ts (blank everywhere; "nan" too in numeric columns), except
 * that ±Infinity counts as missing rather than as an error: drift statistics
 * are computed on finite values (as Evidently does) and the count is reported.
 */
export function columnsFromTable(raw: RawTable, features: readonly Feature[]): ColumnSet {
  const columns = new Map<string, Column>();
  for (const f of features) {
    const idx = raw.header.indexOf(f.name);
    if (idx < 0) {
      throw new DataError(`${raw.file} has no column "${f.name}" (${f.kind} feature); columns present: ${raw.header.join(', ')}`, {
        file: raw.file,
        column: f.name,
      });
    }
    columns.set(f.name, f.kind === 'numeric' ? numericColumn(raw, idx, f.name) : categoricalColumn(raw, idx));
  }
  return { rows: raw.rows.length, columns };
}

function numericColumn(raw: RawTable, idx: number, name: string): Column {
  const values = new Float64Array(raw.rows.length);
  raw.rows.forEach((row, i) => {
    const text = (row[idx] ?? '').trim();
    if (text === '' || text.toLowerCase() === 'nan') {
      values[i] = Number.NaN;
      return;
    }
    const v = Number(text);
    if (Number.isNaN(v)) {
      throw new DataError(`${raw.file}, row ${i + 1}, column "${name}": "${text}" is not a number`, { file: raw.file, column: name, row: i + 1 });
    }
    values[i] = Number.isFinite(v) ? v : Number.NaN;
  });
  return { kind: 'numeric', values };
}

function categoricalColumn(raw: RawTable, idx: number): Column {
  const codes = new Int32Array(raw.rows.length);
  const categories: string[] = [];
  const codeOf = new Map<string, number>();
  raw.rows.forEach((row, i) => {
    const text = row[idx] ?? '';
    if (isMissing(text)) {
      codes[i] = -1;
      return;
    }
    let code = codeOf.get(text);
    if (code === undefined) {
      code = categories.length;
      categories.push(text);
      codeOf.set(text, code);
    }
    codes[i] = code;
  });
  return { kind: 'categorical', codes, categories };
}
