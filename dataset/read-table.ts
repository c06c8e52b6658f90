import { extname } from 'node:path';
import { openTableSource, type Cell } from '../scoring/sources.js';
import { readCsv, type RawTable } from './csv.js';

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

function cellText(cell: Cell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : Number.isNaN(cell) ? 'nan' : String(cell);
  if (cell instanceof Date) return cell.toISOString();
  return String(cell);
}
