import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import type { ColumnSet } from '../dataset/columns.js';
import { BENCH_DATA_VERSION } from './drift-data.js';

/**
 * Writes a ColumnSet as Parquet the way pandas/pyarrow would lay it out:
 * every column nullable (OPTIONAL), missing values as nulls, categoricals as
 * dictionary-encoded UTF-8 strings, snappy pages, row groups of 100,000 rows.
 */
export function writeColumnSetParquet(file: string, set: ColumnSet): void {
  const columnData = [...set.columns].map(([name, col]) => {
    if (col.kind === 'numeric') {
      const hasMissing = col.values.some((v) => Number.isNaN(v));
      // hyparquet-writer writes a typed array as is; nulls need a plain array.
      const data = hasMissing ? Array.from(col.values, (v) => (Number.isNaN(v) ? null : v)) : col.values;
      return { name, data, type: 'DOUBLE' as const, nullable: true };
    }
    const data = Array.from(col.codes, (c) => (c < 0 ? null : col.categories[c]!));
    return { name, data, type: 'STRING' as const, nullable: true };
  });
  const tmp = `${file}.tmp-${process.pid}`;
  parquetWriteFile({ filename: tmp, columnData, rowGroupSize: 100_000 });
  renameSync(tmp, file);
}

/** The benchmark's files, written once per size and generator version under dir (git-ignored). */
export function benchFiles(dir: string, rows: number): { reference: string; current: string; fresh: boolean } {
  mkdirSync(dir, { recursive: true });
  const reference = join(dir, `reference-${rows}-v${BENCH_DATA_VERSION}.parquet`);
  const current = join(dir, `current-${rows}-v${BENCH_DATA_VERSION}.parquet`);
  return { reference, current, fresh: !(existsSync(reference) && existsSync(current)) };
}
