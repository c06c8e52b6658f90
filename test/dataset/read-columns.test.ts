import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import { parquetWriteFile } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { trainerPython } from '../../config/paths.js';
import type { CategoricalColumn, Column, ColumnSet, NumericColumn } from '../../dataset/columns.js';
import { readColumnNames, readColumns } from '../../dataset/read-columns.js';
import { DataError } from '../../errors/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftloop-columns-'));
});

async function csvFile(name: string, rows: unknown[][]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, stringify(rows));
  return file;
}

function numeric(set: ColumnSet, name: string): number[] {
  const c = set.columns.get(name);
  expect(c?.kind, `column ${name}`).toBe('numeric');
  return Array.from((c as NumericColumn).values);
}

/** A categorical column decoded back to its texts (null = missing). */
function texts(set: ColumnSet, name: string): (string | null)[] {
  const c = set.columns.get(name);
  expect(c?.kind, `column ${name}`).toBe('categorical');
  const { codes, categories } = c as CategoricalColumn;
  return Array.from(codes, (k) => (k < 0 ? null : categories[k]!));
}

async function readError(promise: Promise<unknown>): Promise<DataError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataError);
  return err as DataError;
}

describe('readColumns: CSV', () => {
  it('infers kinds: numeric when every non-missing value is a finite number (nan/inf count as missing), else categorical', async () => {
    const file = await csvFile('infer.csv', [
      ['x', 'c', 'code', 'hex', 'n'],
      ['1.5', 'a', '1', '0x10', '1e3'],
      ['nan', ' ', '2', '7', ''],
      ['-2', 'b,c', '3', '8', 'Infinity'],
      ['', 'NA', 'x', '9', '-inf'],
      ['NaN', 'a', '2', '10', '  4 '],
    ]);
    const set = await readColumns(file);
    expect(set.rows).toBe(5);
    expect([...set.columns.keys()]).toEqual(['x', 'c', 'code', 'hex', 'n']);
    expect(numeric(set, 'x')).toEqual([1.5, NaN, -2, NaN, NaN]);
    // As in dataset/table.ts: blank is missing, "NA" is a category.
    expect(texts(set, 'c')).toEqual(['a', null, 'b,c', 'NA', 'a']);
    // Numbers first, then text: the column is rebuilt as categorical with the texts as written.
    expect(texts(set, 'code')).toEqual(['1', '2', '3', 'x', '2']);
    // 0x10 is text in a data file, not 16.
    expect(texts(set, 'hex')).toEqual(['0x10', '7', '8', '9', '10']);
    expect(numeric(set, 'n')).toEqual([1000, NaN, NaN, NaN, 4]);
  });

  it('rebuilds a column of many distinct numbers that turns out to be text (second pass), keeping the texts as written', async () => {
    const rows: string[][] = [['id', 'v']];
    for (let i = 0; i < 3000; i++) rows.push([`${i}.0`, String(i % 7)]);
    rows.push(['A-1', '3']);
    const set = await readColumns(await csvFile('flip.csv', rows));
    const ids = texts(set, 'id');
    expect(ids).toHaveLength(3001);
    expect(ids.slice(0, 3)).toEqual(['0.0', '1.0', '2.0']);
    expect(ids[3000]).toBe('A-1');
    expect(numeric(set, 'v').slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 0]);
  });

  it('materialises only the requested columns, in the requested order, and enforces given kinds', async () => {
    const file = await csvFile('pick.csv', [
      ['a', 'b', 'c'],
      ['1.0', 'x', '3'],
      ['2', 'y', ''],
      ['1.0', '', '5'],
    ]);
    const set = await readColumns(file, { columns: [{ name: 'c' }, { name: 'a', kind: 'categorical' }] });
    expect([...set.columns.keys()]).toEqual(['c', 'a']);
    expect(numeric(set, 'c')).toEqual([3, NaN, 5]);
    expect(texts(set, 'a')).toEqual(['1.0', '2', '1.0']);
    const cat = set.columns.get('a') as CategoricalColumn;
    expect(cat.categories).toEqual(['1.0', '2']);
    expect(Array.from(cat.codes)).toEqual([0, 1, 0]);
  });

  it('names the file, column, 1-based row and value of a non-numeric value in a numeric column', async () => {
    const file = await csvFile('bad.csv', [['x', 'y'], ['1', 'a'], ['2', 'b'], ['abc', 'c'], ['4', 'd']]);
    const err = await readError(readColumns(file, { columns: [{ name: 'x', kind: 'numeric' }] }));
    expect(err.message).toBe(`${file} row 3: column "x" is numeric but has the value "abc"`);
    expect(err.details).toMatchObject({ file, column: 'x', row: 3, value: 'abc' });
  });

  it('lists the columns present when a requested one is missing', async () => {
    const file = await csvFile('cols.csv', [['a', 'b'], ['1', '2']]);
    const err = await readError(readColumns(file, { columns: [{ name: 'a' }, { name: 'zz' }] }));
    expect(err.message).toBe(`${file} has no column "zz"; columns present: a, b`);
  });

  it('rejects an empty file, a missing file and an unknown extension with a DataError; a header alone is zero rows', async () => {
    const empty = join(dir, 'empty.csv');
    await writeFile(empty, '');
    expect((await readError(readColumns(empty))).message).toMatch(/empty\.csv is empty \(no header row\)/);
    expect((await readError(readColumns(join(dir, 'nope.csv')))).message).toMatch(/nope\.csv does not exist/);
    const json = join(dir, 'data.json');
    await writeFile(json, '[]');
    expect((await readError(readColumns(json))).message).toBe(`${json}: unsupported file type ".json"; supported: .csv, .parquet (or .pq)`);
    const headerOnly = await csvFile('header.csv', [['a', 'b']]);
    const set = await readColumns(headerOnly);
    expect(set.rows).toBe(0);
    expect(numeric(set, 'a')).toEqual([]);
    expect(await readColumnNames(headerOnly)).toEqual(['a', 'b']);
  });

  it('reports a ragged row with its line', async () => {
    const file = join(dir, 'ragged.csv');
    await writeFile(file, 'a,b\n1,2\n3\n');
    expect((await readError(readColumns(file))).message).toMatch(/ragged\.csv \(line 3\)/);
  });
});

describe('readColumns: Parquet', () => {
  it('reads numbers, text, booleans and nulls over several row groups and pages, by the schema\'s types', async () => {
    const n = 2500;
    const x = Array.from({ length: n }, (_, i) => (i % 10 === 3 ? null : i % 97 === 5 ? Infinity : i * 0.5));
    x[7] = NaN;
    x[8] = -Infinity;
    const city = Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : ['Oslo', 'Lima', 'Pune', 'Kyiv'][i % 4]!));
    const flag = Array.from({ length: n }, (_, i) => i % 3 === 0);
    const small = Int32Array.from({ length: n }, (_, i) => (i % 5) - 2);
    const big = Array.from({ length: n }, (_, i) => BigInt(i) * 1_000_000_007n);
    const file = join(dir, 'mixed.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'x', data: x, type: 'DOUBLE' },
        { name: 'city', data: city, type: 'STRING' },
        { name: 'flag', data: flag, type: 'BOOLEAN' },
        { name: 'small', data: small, type: 'INT32', nullable: false },
        { name: 'big', data: big, type: 'INT64' },
      ],
      rowGroupSize: 1000,
      pageSize: 2048,
    });
    const set = await readColumns(file);
    expect(set.rows).toBe(n);
    expect([...set.columns.keys()]).toEqual(['x', 'city', 'flag', 'small', 'big']);
    expect(numeric(set, 'x')).toEqual(x.map((v) => (v === null || !Number.isFinite(v) ? NaN : v)));
    expect(texts(set, 'city')).toEqual(city);
    expect(texts(set, 'flag')).toEqual(flag.map(String));
    expect(numeric(set, 'small')).toEqual(Array.from(small));
    expect(numeric(set, 'big')).toEqual(big.map(Number));
    expect(await readColumnNames(file)).toEqual(['x', 'city', 'flag', 'small', 'big']);
  });

  it('enforces given kinds: numbers as categories (shortest text), text as numbers with the bad row named', async () => {
    const file = join(dir, 'kinds.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'grade', data: [1, 2.5, null, 2.5, 1], type: 'DOUBLE' },
        { name: 'amount', data: ['1.5', ' 2', '', 'nan', 'oops'], type: 'STRING' },
      ],
    });
    const set = await readColumns(file, { columns: [{ name: 'grade', kind: 'categorical' }, { name: 'amount', kind: 'numeric' }] }).catch((e) => e);
    expect(set).toBeInstanceOf(DataError);
    expect((set as Error).message).toBe(`${file} row 5: column "amount" is numeric but has the value "oops"`);
    const ok = await readColumns(file, { columns: [{ name: 'grade', kind: 'categorical' }] });
    expect(texts(ok, 'grade')).toEqual(['1', '2.5', null, '2.5', '1']);
  });

  it('reads encodings the page reader does not cover (delta, byte-stream-split) through hyparquet, with the same result', async () => {
    const n = 3000;
    const ints = Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i * 3 - 500));
    const floats = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const file = join(dir, 'encodings.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'ints', data: ints, type: 'INT32', encoding: 'DELTA_BINARY_PACKED' },
        { name: 'floats', data: floats, type: 'DOUBLE', encoding: 'BYTE_STREAM_SPLIT', nullable: false },
      ],
      rowGroupSize: 1000,
    });
    const set = await readColumns(file);
    expect(numeric(set, 'ints')).toEqual(ints.map((v) => (v === null ? NaN : v)));
    expect(numeric(set, 'floats')).toEqual(Array.from(floats));
  });

  it('reads a pandas/pyarrow file (data page v1, dictionary-encoded numbers and text, nulls, ±inf, timestamps)', async () => {
    const file = join(dir, 'pandas.parquet');
    const script = fileURLToPath(new URL('./pyarrow_parquet.py', import.meta.url));
    const expected = JSON.parse(execFileSync(trainerPython(), [script, file], { encoding: 'utf8', maxBuffer: 64 << 20 })) as {
      rows: number;
      price: (number | null)[];
      grade: number[];
      plan: (string | null)[];
      count: number[];
      flag: string[];
      day: number[];
    };
    const columns = ['price', 'grade', 'plan', 'count', 'flag', 'day'].map((name) => ({ name }));
    const set = await readColumns(file, { columns });
    expect(set.rows).toBe(expected.rows);
    expect(numeric(set, 'price')).toEqual(expected.price.map((v) => v ?? NaN));
    expect(numeric(set, 'grade')).toEqual(expected.grade);
    expect(texts(set, 'plan')).toEqual(expected.plan);
    expect(numeric(set, 'count')).toEqual(expected.count);
    expect(texts(set, 'flag')).toEqual(expected.flag);
    // Timestamps are compared as numbers: milliseconds since the epoch.
    expect(numeric(set, 'day')).toEqual(expected.day);
    const price = set.columns.get('price') as Column & NumericColumn;
    expect(price.values.filter(Number.isNaN).length).toBe(expected.price.filter((v) => v === null).length);

    const err = await readError(readColumns(file));
    expect(err.message).toBe(`${file}: column "tags" is a nested or repeated field, which the drift check cannot compare; leave it out of the columns`);
    expect((await readError(readColumns(file, { columns: [{ name: 'nope' }] }))).message).toBe(
      `${file} has no column "nope"; columns present: price, grade, plan, count, flag, day, tags`,
    );
  });

  it('puts the arrays in shared memory on request (CSV and Parquet), with the same values', async () => {
    const csv = await csvFile('shared.csv', [['x', 'c'], ['1.5', 'a'], ['', 'b'], ['3', '']]);
    const parquet = join(dir, 'shared.parquet');
    parquetWriteFile({
      filename: parquet,
      columnData: [
        { name: 'x', data: [1.5, null, 3], type: 'DOUBLE' },
        { name: 'c', data: ['a', 'b', null], type: 'STRING' },
      ],
    });
    for (const file of [csv, parquet]) {
      const plain = await readColumns(file);
      const shared = await readColumns(file, { shared: true });
      const buffers = [...shared.columns.values()].map((c) => (c.kind === 'numeric' ? c.values.buffer : c.codes.buffer));
      expect(buffers.every((b) => b instanceof SharedArrayBuffer)).toBe(true);
      expect([...plain.columns.values()].some((c) => (c.kind === 'numeric' ? c.values.buffer : c.codes.buffer) instanceof SharedArrayBuffer)).toBe(false);
      expect(numeric(shared, 'x')).toEqual([1.5, NaN, 3]);
      expect(texts(shared, 'c')).toEqual(['a', 'b', null]);
    }
  });

  it('rejects a file that is not Parquet and an empty one', async () => {
    const bogus = join(dir, 'bogus.parquet');
    await writeFile(bogus, 'a,b\n1,2\n');
    expect((await readError(readColumns(bogus))).message).toMatch(/^cannot read Parquet file .*bogus\.parquet: /);
    const empty = join(dir, 'empty.parquet');
    await writeFile(empty, '');
    expect((await readError(readColumns(empty))).message).toBe(`data file ${empty} is empty`);
    expect((await readError(readColumns(join(dir, 'nope.parquet')))).message).toMatch(/nope\.parquet does not exist/);
  });
});
