import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsv } from '../../dataset/csv.js';
import { holdoutMask } from '../../dataset/split.js';
import { toLabelledTable } from '../../dataset/table.js';
import { DataError } from '../../errors/index.js';

async function csv(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'driftloop-csv-')), 'd.csv');
  await writeFile(file, text);
  return file;
}
const features = [
  { name: 'x', kind: 'numeric' as const },
  { name: 'c', kind: 'categorical' as const },
];

describe('tabular data', () => {
  it('reads columns with missing values as NaN / null', async () => {
    const t = toLabelledTable(await readCsv(await csv('x,c,y\n1.5,a,1\nnan, ,0\n3,"b,c",1\n,NA,0\n')), features, 'y');
    expect(Array.from(t.numeric.get('x')!)).toEqual([1.5, Number.NaN, 3, Number.NaN]);
    // As in the trainer: blank is missing, "NA" is a category.
    expect(t.categorical.get('c')).toEqual(['a', null, 'b,c', 'NA']);
    expect(t.labels).toEqual(['1', '0', '1', '0']);
  });

  it('names the file, line and column of a non-numeric value', async () => {
    const err = await readCsv(await csv('x,c,y\n1,a,1\n2,b,0\nabc,c,1\n')).then((raw) => {
      try {
        toLabelledTable(raw, features, 'y');
        return null;
      } catch (e) {
        return e;
      }
    });
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/line 4: column "x" is numeric but has the value "abc"/);
  });

  it('rejects numbers a float32 model input cannot hold', async () => {
    const raw = await readCsv(await csv('x,c,y\n1e39,a,1\n'));
    expect(() => toLabelledTable(raw, features, 'y')).toThrow(/line 2: column "x" is numeric but has the value "1e39"/);
  });

  it('names a missing column and lists the present ones', async () => {
    const raw = await readCsv(await csv('x,y\n1,1\n'));
    expect(() => toLabelledTable(raw, features, 'y')).toThrow(/has no column "c" \(feature "c", categorical\); columns present: x, y/);
  });

  it('says plainly that the Node-side stages do not read Parquet yet', async () => {
    await expect(readCsv('/data/window.parquet')).rejects.toThrow(/read CSV files only/);
  });

  it('reports an empty file and a missing file', async () => {
    await expect(readCsv(await csv(''))).rejects.toThrow(/is empty/);
    await expect(readCsv('/nonexistent.csv')).rejects.toThrow(/does not exist/);
  });

  it('splits rows into a holdout deterministically and in about the asked proportion', () => {
    const a = holdoutMask(10_000, 0.3, 7);
    const b = holdoutMask(10_000, 0.3, 7);
    const c = holdoutMask(10_000, 0.3, 8);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const share = a.reduce((s, v) => s + v, 0) / a.length;
    expect(share).toBeGreaterThan(0.28);
    expect(share).toBeLessThan(0.32);
  });
});
