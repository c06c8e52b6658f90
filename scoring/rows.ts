import type { Feature } from '../config/pipeline.js';
import type { FeatureTable } from '../dataset/table.js';
import type { Cell } from './sources.js';

/** Models take float32 inputs: a larger number is as unusable as text. */
const FLOAT32_MAX = 3.4028234663852886e38;

export interface BadRow {
  /** 1-based data-row number in the input (the header is not counted). */
  row: number;
  reason: string;
}

/**
 * Builds the model's input columns from a chunk of rows, setting aside the
 * rows that cannot be scored (with the reason), so one bad row never costs
 * the rest of the chunk. Missing values follow the trainer's rules: blank or
 * null is missing (NaN / ""), "nan" too for numbers.
 */
export function chunkToFeatures(
  header: readonly string[],
  rows: readonly Cell[][],
  firstRow: number,
  features: readonly Feature[],
): { table: FeatureTable; kept: number[]; bad: BadRow[] } {
  const index = features.map((f) => header.indexOf(f.name));
  const bad: BadRow[] = [];
  const kept: number[] = [];
  const numeric = features.map(() => [] as number[]);
  const categorical = features.map(() => [] as (string | null)[]);
  rowLoop: for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length !== header.length) {
      bad.push({ row: firstRow + r, reason: `has ${row.length} fields, the header has ${header.length}` });
      continue;
    }
    const nums: number[] = [];
    const cats: (string | null)[] = [];
    for (let i = 0; i < features.length; i++) {
      const f = features[i]!;
      const cell = row[index[i]!];
      if (f.kind === 'numeric') {
        const v = toNumber(cell);
        if (v === undefined) {
          bad.push({ row: firstRow + r, reason: `column "${f.name}" is numeric but has the value ${JSON.stringify(String(cell))}` });
          continue rowLoop;
        }
        nums.push(v);
      } else {
        cats.push(toCategory(cell));
      }
    }
    kept.push(r);
    let n = 0;
    let c = 0;
    for (let i = 0; i < features.length; i++) {
      if (features[i]!.kind === 'numeric') numeric[i]!.push(nums[n++]!);
      else categorical[i]!.push(cats[c++]!);
    }
  }
  const table: FeatureTable = {
    file: '',
    rows: kept.length,
    features,
    numeric: new Map(features.flatMap((f, i) => (f.kind === 'numeric' ? [[f.name, Float64Array.from(numeric[i]!)] as const] : []))),
    categorical: new Map(features.flatMap((f, i) => (f.kind === 'categorical' ? [[f.name, categorical[i]!] as const] : []))),
  };
  return { table, kept, bad };
}

/** NaN for missing, undefined for a value that is not a usable number. */
function toNumber(cell: Cell): number | undefined {
  if (cell === null || cell === undefined) return Number.NaN;
  if (typeof cell === 'number') return Math.abs(cell) <= FLOAT32_MAX || Number.isNaN(cell) ? cell : undefined;
  if (typeof cell === 'bigint') return toNumber(Number(cell));
  if (typeof cell === 'boolean' || cell instanceof Date) return undefined;
  const s = cell.trim();
  if (s === '' || s.toLowerCase() === 'nan') return Number.NaN;
  const v = Number(s);
  return Math.abs(v) <= FLOAT32_MAX ? v : undefined;
}

/** As the trainer formats categories (JavaScript's String for numbers and booleans). */
function toCategory(cell: Cell): string | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'number' && Number.isNaN(cell)) return null;
  const s = cell instanceof Date ? cell.toISOString() : String(cell);
  return s.trim() === '' ? null : s;
}
