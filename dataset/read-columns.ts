import { extname } from 'node:path';
import { DataError } from '../errors/index.js';
import type { ColumnSet } from './columns.js';
import { readCsvColumnNames, readCsvColumns } from './read-columns-csv.js';
import { readParquetColumnNames, readParquetColumns } from './read-columns-parquet.js';

/**
 * Reads chosen columns of a CSV or Parquet file straight into the columnar
 * form the drift engine works on (dataset/columns.ts): typed arrays, missing
 * values marked in-band, categoricals dictionary-encoded.
 */

export type ColumnKind = 'numeric' | 'categorical';

export interface ColumnRequest {
  name: string;
  /** Enforced when given; inferred from the data (CSV) or the schema (Parquet) when not. */
  kind?: ColumnKind;
}

export interface ReadColumnsOptions {
  /** The columns to materialise, in this order; every column of the file when omitted. */
  columns?: readonly ColumnRequest[];
  /** The format, for files whose name has no extension (the registry's content-addressed training snapshots are CSV). */
  format?: 'csv' | 'parquet';
  /**
   * Put the arrays in SharedArrayBuffers, so that worker threads (the
   * parallel drift engine) read them in place instead of receiving copies.
   */
  shared?: boolean;
}

const SUPPORTED = '.csv, .parquet (or .pq)';

type Format = 'csv' | 'parquet';

function formatOf(file: string): Format {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  throw new DataError(`${file}: unsupported file type "${ext || '(no extension)'}"; supported: ${SUPPORTED}`, { file });
}

export async function readColumns(file: string, opts: ReadColumnsOptions = {}): Promise<ColumnSet> {
  const format = opts.format ?? formatOf(file);
  const requests = opts.columns ? dedupe(opts.columns) : undefined;
  const shared = opts.shared ?? false;
  return format === 'csv' ? readCsvColumns(file, requests, shared) : readParquetColumns(file, requests, shared);
}

/** The file's column names (the CSV header, the Parquet schema's top-level fields) without reading its rows. */
export async function readColumnNames(file: string): Promise<string[]> {
  return formatOf(file) === 'csv' ? readCsvColumnNames(file) : readParquetColumnNames(file);
}

function dedupe(requests: readonly ColumnRequest[]): ColumnRequest[] {
  const seen = new Map<string, ColumnRequest>();
  for (const r of requests) {
    const prev = seen.get(r.name);
    if (prev && prev.kind && r.kind && prev.kind !== r.kind) {
      throw new DataError(`column "${r.name}" is requested both as ${prev.kind} and as ${r.kind}`, { column: r.name });
    }
    if (!prev || (!prev.kind && r.kind)) seen.set(r.name, r);
  }
  return [...seen.values()];
}
