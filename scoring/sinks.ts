import { createWriteStream } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { stringify } from 'csv-stringify';
import { ParquetWriter } from 'hyparquet-writer';
import { ByteWriter } from 'hyparquet-writer';
import { DataError } from '../errors/index.js';
import type { Cell } from './sources.js';

export type ColumnType = 'string' | 'double' | 'int64';

/** Where scored rows go. Written under a temporary name and renamed on success: no half-written output. */
export interface TableSink {
  write(rows: Cell[][]): Promise<void>;
  /** Finishes the file and moves it into place. */
  commit(): Promise<void>;
  /** Removes the partial file. */
  abort(): Promise<void>;
}

export interface SinkOptions {
  file: string;
  header: string[];
  /** Column types, for formats that have them (Parquet). */
  types: ColumnType[];
  /** Provenance (model, version, sha256…): Parquet key-value metadata, or a `<file>.metadata.json` beside a CSV. */
  metadata: Record<string, string>;
}

export async function openTableSink(opts: SinkOptions): Promise<TableSink> {
  const ext = extname(opts.file).toLowerCase();
  if (ext === '.csv') return csvSink(opts);
  if (ext === '.parquet' || ext === '.pq') return parquetSink(opts);
  throw new DataError(`${opts.file}: unsupported output format "${ext}"; use .csv or .parquet`, { file: opts.file });
}

function tmpName(file: string): string {
  return `${file}.tmp-${process.pid}`;
}

async function csvSink({ file, header, metadata }: SinkOptions): Promise<TableSink> {
  const tmp = tmpName(file);
  const out = stringify({ header: true, columns: header });
  const stream = createWriteStream(tmp);
  out.pipe(stream);
  const finished = new Promise<void>((resolve, reject) => {
    stream.once('finish', resolve);
    stream.once('error', reject);
    out.once('error', reject);
  });
  return {
    async write(rows) {
      for (const row of rows) {
        if (!out.write(row.map((c) => (c === null || c === undefined ? '' : c instanceof Date ? c.toISOString() : String(c))))) {
          await new Promise((r) => out.once('drain', r));
        }
      }
    },
    async commit() {
      out.end();
      await finished;
      await writeFile(`${file}.metadata.json`, `${JSON.stringify(metadata, null, 2)}\n`);
      await rename(tmp, file);
    },
    async abort() {
      out.destroy();
      await rm(tmp, { force: true });
    },
  };
}

async function parquetSink({ file, header, types, metadata }: SinkOptions): Promise<TableSink> {
  const tmp = tmpName(file);
  const handle = await open(tmp, 'w');
  // hyparquet-writer encodes into a ByteWriter; we drain it to the file after
  // each row group so memory stays bounded by one chunk.
  const bytes = new ByteWriter();
  const drain = async () => {
    if (bytes.index > 0) {
      await handle.write(new Uint8Array(bytes.buffer, 0, bytes.index));
      bytes.index = 0;
    }
  };
  const writer = new ParquetWriter({
    writer: bytes,
    schema: [
      { name: 'root', num_children: header.length },
      ...header.map((name, i) =>
        types[i] === 'double'
          ? { name, type: 'DOUBLE' as const, repetition_type: 'OPTIONAL' as const }
          : types[i] === 'int64'
            ? { name, type: 'INT64' as const, repetition_type: 'OPTIONAL' as const }
            : { name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const },
      ),
    ],
    kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    createdBy: 'driftloop',
  });
  return {
    async write(rows) {
      if (rows.length === 0) return;
      const columnData = header.map((name, i) => ({
        name,
        data: rows.map((r) => normalise(r[i], types[i]!)),
      }));
      await writer.write({ columnData, rowGroupSize: rows.length });
      await drain();
    },
    async commit() {
      writer.finish();
      await drain();
      await handle.close();
      await rename(tmp, file);
    },
    async abort() {
      await handle.close().catch(() => undefined);
      await rm(tmp, { force: true });
    },
  };
}

function normalise(cell: Cell, type: ColumnType): string | number | bigint | null {
  if (cell === null || cell === undefined) return null;
  if (type === 'int64') return typeof cell === 'bigint' ? cell : BigInt(Math.trunc(Number(cell)));
  if (type === 'double') {
    const v = typeof cell === 'number' ? cell : Number(cell);
    return Number.isNaN(v) ? null : v;
  }
  return cell instanceof Date ? cell.toISOString() : String(cell);
}
