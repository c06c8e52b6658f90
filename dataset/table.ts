import type { Feature } from '../config/pipeline.js';
import { DataError } from '../errors/index.js';
import type { RawTable } from './csv.js';

/**
 * Columnar view of the features (and optionally the target) of a data file.
 * Numeric columns are Float64Array with NaN for missing values; categorical
 * columns are strings with null for missing values.
 */
export interface FeatureTable {
  file: string;
  rows: number;
  features: readonly Feature[];
  numeric: Map<string, Float64Array>;
  categorical: Map<string, (string | null)[]>;
}

export interface LabelledTable extends FeatureTable {
  target: string;
  /** The raw target values; classification compares them as strings, regression parses them. */
  labels: string[];
}

/**
 * Missing-value rules shared with the trainer (trainer/driftloop_trainer/data.py),
 * so that a row means the same thing at training and at scoring time: an empty
 * (or blank) field is missing everywhere; a numeric field may also say "nan".
 * "NA" is a real category (a country code, a grade), not a missing value.
 */
export function isMissing(value: string): boolean {
  return value.trim() === '';
}

function isMissingNumber(value: string): boolean {
  const v = value.trim();
  return v === '' || v.toLowerCase() === 'nan';
}

/** Models take float32 inputs: a larger number is as unusable as text. */
const FLOAT32_MAX = 3.4028234663852886e38;

function columnIndex(raw: RawTable, name: string, role: string): number {
  const i = raw.header.indexOf(name);
  if (i < 0) {
    throw new DataError(
      `${raw.file} has no column "${name}" (${role}); columns present: ${raw.header.join(', ')}`,
      { file: raw.file, column: name },
    );
  }
  return i;
}

export function toFeatureTable(raw: RawTable, features: readonly Feature[], rowFilter?: (row: number) => boolean): FeatureTable {
  const keep = rowFilter ? raw.rows.map((_, i) => rowFilter(i)) : undefined;
  const selected = keep ? raw.rows.filter((_, i) => keep[i]) : raw.rows;
  const rowNumbers = keep ? raw.rows.map((_, i) => i).filter((i) => keep[i]) : undefined;
  const numeric = new Map<string, Float64Array>();
  const categorical = new Map<string, (string | null)[]>();
  for (const f of features) {
    const idx = columnIndex(raw, f.name, `feature "${f.name}", ${f.kind}`);
    if (f.kind === 'numeric') {
      const col = new Float64Array(selected.length);
      for (let r = 0; r < selected.length; r++) {
        const cell = selected[r]![idx]!;
        if (isMissingNumber(cell)) {
          col[r] = Number.NaN;
          continue;
        }
        const v = Number(cell);
        if (!(Math.abs(v) <= FLOAT32_MAX)) {
          // +1 for the header line, +1 for 1-based line numbers.
          const line = (rowNumbers ? rowNumbers[r]! : r) + 2;
          throw new DataError(
            `${raw.file} line ${line}: column "${f.name}" is numeric but has the value ${JSON.stringify(cell)} (not a finite float32 number)`,
            { file: raw.file, column: f.name, line },
          );
        }
        col[r] = v;
      }
      numeric.set(f.name, col);
    } else {
      categorical.set(
        f.name,
        selected.map((row) => {
          const cell = row[idx]!;
          return isMissing(cell) ? null : cell;
        }),
      );
    }
  }
  return { file: raw.file, rows: selected.length, features, numeric, categorical };
}

export function toLabelledTable(
  raw: RawTable,
  features: readonly Feature[],
  target: string,
  rowFilter?: (row: number) => boolean,
): LabelledTable {
  const table = toFeatureTable(raw, features, rowFilter);
  const idx = columnIndex(raw, target, 'target');
  const rows = rowFilter ? raw.rows.filter((_, i) => rowFilter(i)) : raw.rows;
  const labels = rows.map((row, r) => {
    const cell = row[idx]!;
    if (isMissing(cell)) {
      throw new DataError(`${raw.file}: target "${target}" is missing in data row ${r + 1}`, {
        file: raw.file,
        column: target,
      });
    }
    return cell;
  });
  return { ...table, target, labels };
}
