import { extname } from 'node:path';
import { openTableSource } from '../scoring/sources.js';
import { readCsv, type RawTable } from './csv.js';
import { cellText } from './cell-text.js';

/**
 * A whole CSV or Parquet file as strings, for the row-oriented stages
 * (monitor, evaluate, retrain's snapshot). Parquet cells are rendered the way
 * the same value would be written in a CSV, so one set of parsing and
 * missing-value rules (dataset/table.ts) serves both formats.
 */
export async function readTable(file: string): Promise<RawTable> {
  const ext = extname(file).toLowerCase();
  if (ext !== '.parquet' && ext !== '.pq') return readCsv(file);
  const source = await openTableSource(file);
  const rows: string[][] = [];
  for await (const chunk of source.chunks(65_536)) {
    for (const row of chunk.rows) rows.push(row.map(cellText));
  }
  return { file, header: source.header, rows };
}
