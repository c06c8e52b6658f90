import { open, type FileHandle } from 'node:fs/promises';
import {
  parquetMetadataAsync,
  parquetRead,
  parquetSchema,
  type AsyncBuffer,
  type ColumnData,
  type DecodedArray,
  type FileMetaData,
  type ParquetParsers,
  type SchemaTree,
} from 'hyparquet';
import { DataError } from '../errors/index.js';
import { missingColumnError, notNumericError } from './column-errors.js';
import type { Column, ColumnSet } from './columns.js';
import { sharedArray } from './column-builder.js';
import { parseNumericText } from './numeric-text.js';
import { readFlatColumn, UnsupportedLayout, type FlatColumnSink } from './parquet-flat-pages.js';
import type { ColumnKind, ColumnRequest } from './read-columns.js';

/**
 * Parquet → columns with hyparquet, one column at a time (so the transient
 * memory is one column chunk, not the file), each decoded page copied into
 * the column's typed array at its row offset.
 */

/** Positional reads of the file: one copy from the kernel into the page buffer hyparquet decodes. */
function fileBuffer(handle: FileHandle, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      const out = new Uint8Array(end - start);
      let done = 0;
      while (done < out.length) {
        const { bytesRead } = await handle.read(out, done, out.length - done, start + done);
        if (bytesRead === 0) throw new Error(`unexpected end of file at byte ${start + done}`);
        done += bytesRead;
      }
      return out.buffer;
    },
  };
}

/** Dates and timestamps become numbers (milliseconds since the epoch) instead of Date objects. */
const TIME_AS_NUMBERS: Partial<ParquetParsers> = {
  timestampFromMilliseconds: (ms: bigint) => Number(ms),
  timestampFromMicroseconds: (us: bigint) => Number(us) / 1e3,
  timestampFromNanoseconds: (ns: bigint) => Number(ns) / 1e6,
  dateFromDays: (days: number) => days * 86_400_000,
};

interface OpenParquet {
  file: string;
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  fields: SchemaTree[];
  close(): Promise<void>;
}

async function openParquet(file: string): Promise<OpenParquet> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new DataError(`data file ${file} does not exist`, { file });
    throw new DataError(`cannot read ${file}: ${e.message}`, { file });
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) throw new DataError(`data file ${file} is empty`, { file });
    const buffer = fileBuffer(handle, size);
    const metadata = await parquetMetadataAsync(buffer);
    return { file, buffer, metadata, fields: parquetSchema(metadata).children, close: () => handle.close() };
  } catch (err) {
    await handle.close();
    if (err instanceof DataError) throw err;
    throw new DataError(`cannot read Parquet file ${file}: ${(err as Error).message}`, { file });
  }
}

export async function readParquetColumnNames(file: string): Promise<string[]> {
  const pq = await openParquet(file);
  await pq.close();
  return pq.fields.map((f) => f.element.name);
}

export async function readParquetColumns(file: string, requests: readonly ColumnRequest[] | undefined, shared = false): Promise<ColumnSet> {
  const pq = await openParquet(file);
  try {
    const names = pq.fields.map((f) => f.element.name);
    const wanted: readonly ColumnRequest[] = requests ?? names.map((name) => ({ name }));
    const plan = wanted.map((r) => {
      const field = pq.fields.find((f) => f.element.name === r.name);
      if (!field) throw missingColumnError(file, r.name, names);
      // naturalKind also rejects what cannot be compared at all (nested, JSON, raw bytes).
      const natural = naturalKind(file, field);
      return { field, kind: r.kind ?? natural };
    });
    const rows = Number(pq.metadata.num_rows);
    const columns = new Map<string, Column>();
    for (const { field, kind } of plan) columns.set(field.element.name, await readColumn(pq, field, kind, rows, shared));
    return { rows, columns };
  } finally {
    await pq.close();
  }
}

/** The kind a column has by its Parquet type: numbers and times numeric, text and booleans categorical. */
function naturalKind(file: string, field: SchemaTree): ColumnKind {
  const el = field.element;
  const unsupported = (what: string) =>
    new DataError(`${file}: column "${el.name}" is ${what}, which the drift check cannot compare; leave it out of the columns`, {
      file,
      column: el.name,
    });
  if (field.children.length || el.repetition_type === 'REPEATED') throw unsupported('a nested or repeated field');
  const logical = el.logical_type?.type;
  const converted = el.converted_type;
  for (const t of ['JSON', 'BSON', 'INTERVAL', 'GEOMETRY', 'GEOGRAPHY', 'VARIANT'] as const) {
    if (logical === t || converted === t) throw unsupported(`of type ${t}`);
  }
  if (converted === 'DECIMAL' || logical === 'DECIMAL' || logical === 'FLOAT16') return 'numeric';
  switch (el.type) {
    case 'BOOLEAN':
    case 'BYTE_ARRAY':
      return 'categorical';
    case 'FIXED_LEN_BYTE_ARRAY':
      if (logical === 'UUID') return 'categorical';
      throw unsupported('raw fixed-length bytes');
    default:
      return 'numeric';
  }
}

async function readColumn(pq: OpenParquet, field: SchemaTree, kind: ColumnKind, rows: number, shared: boolean): Promise<Column> {
  const name = field.element.name;
  const flat = !field.children.length && field.element.repetition_type !== 'REPEATED';
  if (flat) {
    const sink = newSink(pq.file, name, kind, rows, shared);
    try {
      await readFlatColumn({ buffer: pq.buffer, metadata: pq.metadata, element: field.element, parsers: TIME_AS_NUMBERS }, sink);
      return sink.finish();
    } catch (err) {
      if (err instanceof DataError) throw err;
      if (!(err instanceof UnsupportedLayout)) throw cannotRead(pq.file, name, err);
      // An encoding the page reader does not cover: hyparquet's general reader handles it.
    }
  }
  return readColumnAssembled(pq, name, kind, rows, shared);
}

function cannotRead(file: string, column: string, err: unknown): DataError {
  return new DataError(`cannot read column "${column}" of Parquet file ${file}: ${(err as Error).message}`, { file, column });
}

/** hyparquet's general path: assembled chunks, one value (or null) per row. */
async function readColumnAssembled(pq: OpenParquet, name: string, kind: ColumnKind, rows: number, shared: boolean): Promise<Column> {
  const sink = newSink(pq.file, name, kind, rows, shared);
  let failure: unknown;
  try {
    await parquetRead({
      file: pq.buffer,
      metadata: pq.metadata,
      columns: [name],
      parsers: TIME_AS_NUMBERS,
      onChunk(chunk: ColumnData) {
        // hyparquet calls this from a promise callback that nothing awaits: a throw here would be unhandled.
        if (failure !== undefined) return;
        try {
          sink.values(chunk.rowStart, chunk.columnData.length, null, chunk.columnData);
        } catch (err) {
          failure = err;
        }
      },
    });
  } catch (err) {
    throw cannotRead(pq.file, name, err);
  }
  if (failure !== undefined) throw failure;
  return sink.finish();
}

function newSink(file: string, name: string, kind: ColumnKind, rows: number, shared: boolean): NumericColumnSink | CategoricalColumnSink {
  return kind === 'numeric'
    ? new NumericColumnSink(file, name, shared ? sharedArray(Float64Array, rows) : new Float64Array(rows))
    : new CategoricalColumnSink(file, name, shared ? sharedArray(Int32Array, rows) : new Int32Array(rows));
}

function unsupportedValue(file: string, column: string, row: number, value: unknown): DataError {
  const what = value instanceof Uint8Array ? 'raw bytes' : typeof value;
  return new DataError(`${file} row ${row}: column "${column}" holds ${what}, which the drift check cannot compare`, { file, column, row });
}

/** Numbers land as float64; null, NaN and ±Infinity as NaN (missing). */
class NumericColumnSink implements FlatColumnSink {
  private dict = new Float64Array(0);
  /** Dictionary entries that are not numbers (a text column read as numeric): the error is raised when a row uses one. */
  private dictBad: (string | undefined)[] = [];

  constructor(
    private readonly file: string,
    private readonly name: string,
    /** One slot per row of the file. */
    private readonly out: Float64Array,
  ) {}

  dictionary(entries: DecodedArray): void {
    this.dict = new Float64Array(entries.length);
    this.dictBad = [];
    for (let i = 0; i < entries.length; i++) {
      const e: unknown = entries[i];
      if (typeof e === 'string' && parseNumericText(e) === undefined) {
        this.dictBad[i] = e;
        this.dict[i] = Number.NaN;
      } else {
        this.dict[i] = this.fromValue(e, -1);
      }
    }
  }

  indexes(rowStart: number, rows: number, defined: Uint8Array | null, indexes: Int32Array): void {
    if (this.dictBad.length) this.checkDictionaryUse(rowStart, rows, defined, indexes);
    const out = this.out;
    const dict = this.dict;
    if (!defined) {
      for (let i = 0; i < rows; i++) out[rowStart + i] = dict[indexes[i]!]!;
      return;
    }
    let k = 0;
    for (let i = 0; i < rows; i++) out[rowStart + i] = defined[i] ? dict[indexes[k++]!]! : Number.NaN;
  }

  private checkDictionaryUse(rowStart: number, rows: number, defined: Uint8Array | null, indexes: Int32Array): void {
    let k = 0;
    for (let i = 0; i < rows; i++) {
      if (defined && !defined[i]) continue;
      const bad = this.dictBad[indexes[k++]!];
      if (bad !== undefined) throw notNumericError(this.file, this.name, rowStart + i + 1, bad);
    }
  }

  values(rowStart: number, rows: number, defined: Uint8Array | null, values: DecodedArray): void {
    if (values instanceof Float64Array || values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint32Array) {
      placeNumbers(this.out, rowStart, rows, defined, values);
    } else {
      const out = this.out;
      let k = 0;
      for (let i = 0; i < rows; i++) {
        out[rowStart + i] = defined && !defined[i] ? Number.NaN : this.fromValue(values[k++], rowStart + i);
      }
    }
  }

  private fromValue(v: unknown, index: number): number {
    if (typeof v === 'number') return v - v === 0 ? v : Number.NaN;
    if (v === null || v === undefined) return Number.NaN;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'string') {
      const parsed = parseNumericText(v);
      if (parsed === undefined) throw notNumericError(this.file, this.name, index + 1, v);
      return parsed;
    }
    throw unsupportedValue(this.file, this.name, index + 1, v);
  }

  finish(): Column {
    return { kind: 'numeric', values: this.out };
  }
}

/** The hot loop for typed values: non-finite (NaN, ±Infinity) becomes NaN, a missing row NaN. */
function placeNumbers(
  out: Float64Array,
  rowStart: number,
  rows: number,
  defined: Uint8Array | null,
  values: Float64Array | Float32Array | Int32Array | Uint32Array,
): void {
  if (!defined) {
    for (let i = 0; i < rows; i++) {
      const v = values[i]!;
      out[rowStart + i] = v - v === 0 ? v : Number.NaN;
    }
    return;
  }
  let k = 0;
  for (let i = 0; i < rows; i++) {
    if (defined[i]) {
      const v = values[k++]!;
      out[rowStart + i] = v - v === 0 ? v : Number.NaN;
    } else {
      out[rowStart + i] = Number.NaN;
    }
  }
}

/**
 * Dictionary codes. A dictionary page is mapped to codes once; its rows are
 * then an index lookup each. Plain-encoded values go through a map keyed by
 * the value, with an identity check first (runs of equal values are common).
 */
class CategoricalColumnSink implements FlatColumnSink {
  private readonly codeOfValue = new Map<unknown, number>();
  private readonly codeOfText = new Map<string, number>();
  private readonly categories: string[] = [];
  private dictCodes = new Int32Array(0);
  private lastValue: unknown = undefined;
  private lastCode = -1;

  constructor(
    private readonly file: string,
    private readonly name: string,
    /** One slot per row of the file. */
    private readonly out: Int32Array,
  ) {}

  dictionary(entries: DecodedArray): void {
    this.dictCodes = new Int32Array(entries.length);
    for (let i = 0; i < entries.length; i++) this.dictCodes[i] = this.codeOf(entries[i], -1);
  }

  indexes(rowStart: number, rows: number, defined: Uint8Array | null, indexes: Int32Array): void {
    const out = this.out;
    const codes = this.dictCodes;
    if (!defined) {
      for (let i = 0; i < rows; i++) out[rowStart + i] = codes[indexes[i]!]!;
      return;
    }
    let k = 0;
    for (let i = 0; i < rows; i++) out[rowStart + i] = defined[i] ? codes[indexes[k++]!]! : -1;
  }

  values(rowStart: number, rows: number, defined: Uint8Array | null, values: DecodedArray): void {
    const out = this.out;
    let k = 0;
    for (let i = 0; i < rows; i++) {
      if (defined && !defined[i]) {
        out[rowStart + i] = -1;
        continue;
      }
      const v: unknown = values[k++];
      if (v === this.lastValue) {
        out[rowStart + i] = this.lastCode;
        continue;
      }
      const code = this.codeOf(v, rowStart + i);
      out[rowStart + i] = code;
      this.lastValue = v;
      this.lastCode = code;
    }
  }

  /** Values are keyed as they come (string, number, boolean, bigint); each gets its text once. */
  private codeOf(v: unknown, index: number): number {
    const known = this.codeOfValue.get(v);
    if (known !== undefined) return known;
    let text: string | null;
    if (v === null || v === undefined) text = null;
    else if (typeof v === 'string') text = v;
    else if (typeof v === 'number') text = Number.isFinite(v) ? String(v) : null; // NaN/±Infinity: missing
    else if (typeof v === 'boolean' || typeof v === 'bigint') text = String(v);
    else throw unsupportedValue(this.file, this.name, index + 1, v);
    // Distinct values with the same text (1 and 1n) share a category.
    const code = text === null ? -1 : this.textCode(text);
    this.codeOfValue.set(v, code);
    return code;
  }

  private textCode(text: string): number {
    let code = this.codeOfText.get(text);
    if (code === undefined) {
      code = this.categories.length;
      this.categories.push(text);
      this.codeOfText.set(text, code);
    }
    return code;
  }

  finish(): Column {
    return { kind: 'categorical', codes: this.out, categories: this.categories };
  }
}
