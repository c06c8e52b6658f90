import { createReadStream } from 'node:fs';
import { parse, type Parser } from 'csv-parse';
import { DataError } from '../errors/index.js';
import { missingColumnError, notNumericError } from './column-errors.js';
import { CategoricalBuilder, NumericBuilder } from './column-builder.js';
import type { Column, ColumnSet } from './columns.js';
import { parseNumericText } from './numeric-text.js';
import type { ColumnRequest } from './read-columns.js';
import { isMissing } from './table.js';

/**
 * CSV → columns in one streaming pass: csv-parse splits the records, each
 * requested cell goes straight into its column's growing typed array; no
 * row is kept.
 */

/** A column being filled, one cell at a time. */
interface CellSink {
  accept(cell: string, row: number): void;
  /** The column, or 'reread' when its kind flipped after the cells needed to rebuild it were dropped. */
  finish(shared: boolean): Column | 'reread';
}

class NumericSink implements CellSink {
  private readonly values = new NumericBuilder();
  constructor(
    private readonly file: string,
    private readonly name: string,
  ) {}
  accept(cell: string, row: number): void {
    const v = parseNumericText(cell);
    if (v === undefined) throw notNumericError(this.file, this.name, row, cell);
    this.values.push(v);
  }
  finish(shared: boolean): Column {
    return this.values.finish(shared);
  }
}

class CategoricalSink implements CellSink {
  constructor(private readonly codes = new CategoricalBuilder()) {}
  accept(cell: string): void {
    this.codes.push(isMissing(cell) ? null : cell);
  }
  finish(shared: boolean): Column {
    return this.codes.finish(shared);
  }
}

/**
 * Up to this many distinct texts, an inferring column also keeps its cells'
 * text (as codes), so a column that looked numeric and turns out to be
 * categorical ("1", "2", …, "x") is rebuilt without reading the file again.
 */
const MAX_REMEMBERED_TEXTS = 1000;

/**
 * Numeric while every non-missing cell reads as a finite number (inf/nan
 * count as missing numbers), categorical from the first cell that does not.
 */
class InferringSink implements CellSink {
  private numeric: NumericBuilder | null = new NumericBuilder();
  private texts: CategoricalBuilder | null = new CategoricalBuilder();
  private categorical: CategoricalSink | null = null;
  private lostTexts = false;

  accept(cell: string): void {
    if (this.categorical) return this.categorical.accept(cell);
    if (this.lostTexts) return;
    const v = parseNumericText(cell);
    if (v === undefined) {
      this.numeric = null;
      if (this.texts) {
        this.categorical = new CategoricalSink(this.texts);
        this.categorical.accept(cell);
      } else {
        this.lostTexts = true;
      }
      this.texts = null;
      return;
    }
    this.numeric!.push(v);
    if (this.texts) {
      this.texts.push(isMissing(cell) ? null : cell);
      if (this.texts.categories.length > MAX_REMEMBERED_TEXTS) this.texts = null;
    }
  }

  finish(shared: boolean): Column | 'reread' {
    if (this.categorical) return this.categorical.finish(shared);
    if (this.lostTexts) return 'reread';
    return this.numeric!.finish(shared);
  }
}

function csvParser(file: string, to?: number): Parser {
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  const parser = input.pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: false, to }));
  // pipe() does not forward the source's errors (a missing file) to the parser.
  input.once('error', (err) => parser.destroy(err));
  return parser;
}

function readError(file: string, err: unknown): DataError {
  if (err instanceof DataError) return err;
  const e = err as NodeJS.ErrnoException & { lines?: number };
  if (e.code === 'ENOENT') return new DataError(`data file ${file} does not exist`, { file });
  const where = e.lines ? ` (line ${e.lines})` : '';
  return new DataError(`cannot read ${file}${where}: ${e.message}`, { file });
}

export async function readCsvColumnNames(file: string): Promise<string[]> {
  try {
    for await (const record of csvParser(file, 1) as AsyncIterable<string[]>) return record;
  } catch (err) {
    throw readError(file, err);
  }
  throw new DataError(`data file ${file} is empty (no header row)`, { file });
}

export async function readCsvColumns(file: string, requests: readonly ColumnRequest[] | undefined, shared = false): Promise<ColumnSet> {
  let header: string[] | undefined;
  let indexes: number[] = [];
  let sinks: CellSink[] = [];
  let wanted: ColumnRequest[] = [];
  let rows = 0;
  const parser = csvParser(file);
  try {
    // Records are drained synchronously per 'readable' turn: no promise per row.
    await new Promise<void>((resolve, reject) => {
      parser.on('error', reject);
      parser.on('end', resolve);
      parser.on('readable', () => {
        try {
          let record: string[] | null;
          while ((record = parser.read() as string[] | null) !== null) {
            if (header === undefined) {
              header = record;
              wanted = requests ? [...requests] : header.map((name) => ({ name }));
              indexes = wanted.map((r) => columnIndex(file, header!, r.name));
              sinks = wanted.map((r) =>
                r.kind === 'numeric' ? new NumericSink(file, r.name) : r.kind === 'categorical' ? new CategoricalSink() : new InferringSink(),
              );
              continue;
            }
            rows++;
            for (let c = 0; c < sinks.length; c++) sinks[c]!.accept(record[indexes[c]!]!, rows);
          }
        } catch (err) {
          parser.destroy();
          reject(err);
        }
      });
    });
  } catch (err) {
    throw readError(file, err);
  }
  if (header === undefined) throw new DataError(`data file ${file} is empty (no header row)`, { file });

  const columns = new Map<string, Column>();
  const reread: ColumnRequest[] = [];
  wanted.forEach((r, c) => {
    const column = sinks[c]!.finish(shared);
    if (column === 'reread') reread.push({ name: r.name, kind: 'categorical' });
    columns.set(r.name, column === 'reread' ? placeholder : column);
  });
  if (reread.length) {
    // Rare: a column of many distinct numbers followed by text. One more pass for those columns only.
    const again = await readCsvColumns(file, reread, shared);
    for (const [name, column] of again.columns) columns.set(name, column);
  }
  return { rows, columns };
}

const placeholder: Column = { kind: 'numeric', values: new Float64Array(0) };

function columnIndex(file: string, header: string[], name: string): number {
  const i = header.indexOf(name);
  if (i < 0) throw missingColumnError(file, name, header);
  if (header.indexOf(name, i + 1) >= 0) throw new DataError(`${file}: the header names column "${name}" twice`, { file, column: name });
  return i;
}
