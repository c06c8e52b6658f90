import { createReadStream, createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { DataError } from '../errors/index.js';

/** A CSV file as read: the header and every record as strings. */
export interface RawTable {
  file: string;
  header: string[];
  rows: string[][];
}

export async function readCsv(file: string): Promise<RawTable> {
  if (!/\.csv$/i.test(file) && /\.(parquet|pq|arrow|feather)$/i.test(file)) {
    // The trainer reads Parquet; the Node-side stages (monitor, drift, evaluate) read CSV only so far.
    throw new DataError(`${file}: the monitor, drift and evaluate stages read CSV files only; convert this file to CSV`, { file });
  }
  const rows: string[][] = [];
  let header: string[] | undefined;
  try {
    const input = createReadStream(file);
    const parser = input.pipe(parse({ bom: true, relax_column_count: false, skip_empty_lines: true }));
    // pipe() does not forward the source's errors (a missing file) to the parser.
    input.once('error', (err) => parser.destroy(err));
    for await (const record of parser as AsyncIterable<string[]>) {
      if (header === undefined) header = record;
      else rows.push(record);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { lines?: number };
    if (e.code === 'ENOENT') throw new DataError(`data file ${file} does not exist`, { file });
    const where = e.lines ? ` (line ${e.lines})` : '';
    throw new DataError(`cannot read ${file}${where}: ${e.message}`, { file });
  }
  if (header === undefined) throw new DataError(`data file ${file} is empty (no header row)`, { file });
  return { file, header, rows };
}

/** Writes to a temporary name first so a crash never leaves a truncated file behind. */
export async function writeCsv(file: string, header: string[], rows: Iterable<string[]>): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const out = stringify({ header: true, columns: header });
  const done = pipeline(out, createWriteStream(tmp));
  for (const row of rows) {
    if (!out.write(row)) await new Promise((r) => out.once('drain', r));
  }
  out.end();
  await done;
  await rename(tmp, file);
}
