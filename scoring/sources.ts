import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { parse } from 'csv-parse';
import { parquetReadObjects } from 'hyparquet';
import { openParquetFile } from './parquet-file.js';
import { DataError } from '../errors/index.js';

/** A cell as read: CSV gives strings, Parquet typed values. */
export type Cell = string | number | bigint | boolean | null | undefined | Date;

/** A run of consecutive rows; `firstRow` is the 1-based data-row number of rows[0]. */
export interface RowChunk {
  firstRow: number;
  rows: Cell[][];
}

/** A tabular file read in chunks, so that files larger than memory can be scored. */
export interface TableSource {
  file: string;
  format: 'csv' | 'parquet';
  header: string[];
  /** Total rows when the format knows it up front (Parquet), else null. */
  totalRows: number | null;
  chunks(rowsPerChunk: number): AsyncIterable<RowChunk>;
}

export async function openTableSource(file: string): Promise<TableSource> {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv') return openCsv(file);
  if (ext === '.parquet' || ext === '.pq') return openParquet(file);
  throw new DataError(`${file}: unsupported input format "${ext}"; use .csv or .parquet`, { file });
}

async function openCsv(file: string): Promise<TableSource> {
  // Read the header first so the output schema is known before any row is scored.
  let header: string[] | undefined;
  for await (const record of csvRecords(file, 1)) {
    header = record;
    break;
  }
  if (!header) throw new DataError(`data file ${file} is empty (no header row)`, { file });
  const cols = header;
  return {
    file,
    format: 'csv',
    header: cols,
    totalRows: null,
    async *chunks(size: number) {
      let rows: Cell[][] = [];
      let first = 1;
      let seen = 0;
      let skippedHeader = false;
      for await (const record of csvRecords(file)) {
        if (!skippedHeader) {
          skippedHeader = true;
          continue;
        }
        seen++;
        rows.push(record);
        if (rows.length === size) {
          yield { firstRow: first, rows };
          first = seen + 1;
          rows = [];
        }
      }
      if (rows.length) yield { firstRow: first, rows };
    },
  };
}

async function* csvRecords(file: string, limit?: number): AsyncIterable<string[]> {
  const input = createReadStream(file);
  // relax_column_count: a short or long row is a bad row to report, not a reason to stop reading.
  const parser = input.pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true, to: limit }));
  input.once('error', (err) => parser.destroy(err));
  try {
    for await (const record of parser as AsyncIterable<string[]>) yield record;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new DataError(`data file ${file} does not exist`, { file });
    throw new DataError(`cannot read ${file}: ${e.message}`, { file });
  }
}

async function openParquet(file: string): Promise<TableSource> {
  const { buffer, metadata, header } = await openParquetFile(file);
  const totalRows = Number(metadata.num_rows);
  return {
    file,
    format: 'parquet',
    header,
    totalRows,
    async *chunks(size: number) {
      // hyparquet reads only the row groups that cover the requested range.
      for (let start = 0; start < totalRows; start += size) {
        const end = Math.min(totalRows, start + size);
        const objects = (await parquetReadObjects({ file: buffer, metadata, rowStart: start, rowEnd: end })) as Record<string, Cell>[];
        yield { firstRow: start + 1, rows: objects.map((o) => header.map((h) => o[h])) };
      }
    },
  };
}
