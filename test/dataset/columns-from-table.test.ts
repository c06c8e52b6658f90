import { describe, expect, it } from 'vitest';
import { columnsFromTable } from '../../dataset/columns-from-table.js';
import { DataError } from '../../errors/index.js';

const features = [
  { name: 'x', kind: 'numeric' as const },
  { name: 'c', kind: 'categorical' as const },
];

describe('columnsFromTable (prediction-log and query windows)', () => {
  it('keeps every row, marking blank, "nan" and infinite numbers and blank categories as missing', () => {
    const set = columnsFromTable(
      { file: 'w', header: ['c', 'x'], rows: [['a', '1.5'], ['', ''], ['b', 'nan'], ['a', 'Infinity'], ['NA', '-2']] },
      features,
    );
    expect(set.rows).toBe(5);
    const x = set.columns.get('x')!;
    const c = set.columns.get('c')!;
    if (x.kind !== 'numeric' || c.kind !== 'categorical') throw new Error('kinds');
    expect(Array.from(x.values)).toEqual([1.5, NaN, NaN, NaN, -2]);
    // "NA" is a real category (a country code), as everywhere else in driftloop.
    expect(Array.from(c.codes).map((k) => (k < 0 ? null : c.categories[k]))).toEqual(['a', null, 'b', 'a', 'NA']);
  });

  it('names the row, column and value of a non-number in a numeric column', () => {
    const run = () => columnsFromTable({ file: 'prediction log of m', header: ['x', 'c'], rows: [['1', 'a'], ['abc', 'b']] }, features);
    expect(run).toThrow(DataError);
    expect(run).toThrow(/row 2.*"x".*"abc"/);
  });

  it('names a missing column and lists the ones present', () => {
    expect(() => columnsFromTable({ file: 'q', header: ['x'], rows: [] }, features)).toThrow(/no column "c".*x/);
  });
});
