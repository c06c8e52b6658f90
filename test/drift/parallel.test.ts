/**
 * computeDriftReportParallel: the same report as the serial engine, columns
 * spread over worker threads, input untouched, errors surfacing with their
 * type. The workers run the compiled engine in dist/ (drift/parallel.ts), so
 * dist/ is brought up to date first, as `npm test` does (scripts/setup.sh).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DriftConfig } from '../../config/drift.js';
import type { Column, ColumnSet } from '../../dataset/columns.js';
import { closeDriftWorkers, computeDriftReport, computeDriftReportParallel, computeDriftReports, computeDriftReportsParallel } from '../../drift/index.js';
import { ConfigError, DataError } from '../../errors/index.js';
import { categorical, columnSet, numeric, random } from './columns.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

beforeAll(() => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    // Type errors elsewhere in the tree still emit JavaScript; the drift files must have compiled.
    const out = String((err as { stdout?: Buffer }).stdout ?? '');
    const ours = out.split('\n').filter((line) => /^(drift|stats)\//.test(line));
    if (ours.length > 0) throw new Error(`build of the drift engine failed:\n${ours.join('\n')}`);
  }
}, 300_000);

afterAll(async () => {
  await closeDriftWorkers();
});

function windows(seed: number, rows: number, shift: number): ColumnSet {
  const rnd = random(seed);
  return columnSet({
    normal: numeric(rnd.normals(rows, shift)),
    heavy: numeric(Array.from({ length: rows }, () => rnd.normal() / (rnd.uniform() + 1e-3))),
    gappy: numeric(Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? NaN : i % 11 === 0 ? Infinity : rnd.normal(shift)))),
    few: numeric(Array.from({ length: rows }, () => Math.floor(rnd.uniform() * 4))),
    constant: numeric(new Array<number>(rows).fill(3)),
    sparse: numeric(Array.from({ length: rows }, (_, i) => (i < 20 ? i : NaN))),
    plan: categorical(rnd.pick(['basic', 'plus', 'pro', shift > 0 ? 'new' : 'basic'], rows)),
    flag: categorical(Array.from({ length: rows }, (_, i) => (i % 13 === 0 ? null : rnd.uniform() < 0.3 + shift / 10 ? 'y' : 'n'))),
  });
}

function snapshot(set: ColumnSet): unknown {
  return [...set.columns].map(([name, c]) => [name, c.kind === 'numeric' ? Array.from(c.values) : [Array.from(c.codes), [...c.categories]]]);
}

describe('computeDriftReportParallel', () => {
  const reference = windows(1, 4000, 0);
  const current = windows(2, 3000, 0.3);

  it.each([1, 2, 3, 8])('returns exactly the serial report with %i thread(s), for default and forced methods', async (threads) => {
    for (const input of [{}, { method: 'psi' as const, psi: { strategy: 'quantile' as const, bins: 10 } }, { method: 'jensenshannon' as const, features: { normal: { mustWatch: true } } }]) {
      const options = { config: DriftConfig.parse(input) };
      const serial = computeDriftReport(reference, current, options);
      const parallel = await computeDriftReportParallel(reference, current, options, { threads });
      expect(parallel).toEqual(serial);
      expect(JSON.stringify(parallel)).toBe(JSON.stringify(serial));
    }
  });

  it('several reports at once (each column prepared once) equal separate calls, serial and parallel', async () => {
    const optionsList = [
      { config: DriftConfig.parse({}) },
      { config: DriftConfig.parse({ method: 'psi' }) },
      { config: DriftConfig.parse({ method: 'wasserstein', threshold: 0.05 }), columns: ['heavy', 'normal', 'gappy'] },
      { config: DriftConfig.parse({ method: 'ks' }), columns: ['gappy', 'few'], distributions: false },
    ];
    const separate = optionsList.map((options) => computeDriftReport(reference, current, options));
    expect(computeDriftReports(reference, current, optionsList)).toEqual(separate);
    expect(JSON.stringify(await computeDriftReportsParallel(reference, current, optionsList, { threads: 2 }))).toBe(JSON.stringify(separate));
  });

  it('reads columns that already live in shared memory in place, without modifying them', async () => {
    const share = (set: ColumnSet): ColumnSet => ({
      rows: set.rows,
      columns: new Map<string, Column>(
        [...set.columns].map(([name, c]): [string, Column] => {
          if (c.kind === 'numeric') {
            const values = new Float64Array(new SharedArrayBuffer(c.values.byteLength));
            values.set(c.values);
            return [name, { kind: 'numeric', values }];
          }
          const codes = new Int32Array(new SharedArrayBuffer(c.codes.byteLength));
          codes.set(c.codes);
          return [name, { kind: 'categorical', codes, categories: c.categories }];
        }),
      ),
    });
    const sharedReference = share(reference);
    const mixedCurrent: ColumnSet = { rows: current.rows, columns: new Map([...share(current).columns].map(([n, c], i) => [n, i % 2 ? c : current.columns.get(n)!])) };
    const options = { config: DriftConfig.parse({}) };
    const before = [snapshot(sharedReference), snapshot(mixedCurrent)];
    expect(await computeDriftReportParallel(sharedReference, mixedCurrent, options, { threads: 2 })).toEqual(computeDriftReport(reference, current, options));
    expect([snapshot(sharedReference), snapshot(mixedCurrent)]).toEqual(before);
  });

  it('needs no worker for an empty column list, and treats a nonsensical thread count as the default', async () => {
    const options = { config: DriftConfig.parse({}), columns: [] };
    expect(await computeDriftReportParallel(reference, current, options, { threads: 2 })).toEqual(computeDriftReport(reference, current, options));
    const all = { config: DriftConfig.parse({}) };
    expect(await computeDriftReportParallel(reference, current, all, { threads: Number.NaN })).toEqual(computeDriftReport(reference, current, all));
    expect(await computeDriftReportParallel(reference, current, all, { threads: 0 })).toEqual(computeDriftReport(reference, current, all));
  });

  it('keeps the column order and subset of an explicit list', async () => {
    const options = { config: DriftConfig.parse({}), columns: ['plan', 'normal'] };
    const report = await computeDriftReportParallel(reference, current, options, { threads: 2 });
    expect(report.columns.map((c) => c.name)).toEqual(['plan', 'normal']);
    expect(report).toEqual(computeDriftReport(reference, current, options));
  });

  it('leaves the input untouched (workers get copies)', async () => {
    const before = [snapshot(reference), snapshot(current)];
    await computeDriftReportParallel(reference, current, { config: DriftConfig.parse({ method: 'psi', psi: { strategy: 'quantile', bins: 10 } }) }, { threads: 2 });
    await computeDriftReportParallel(reference, current, { config: DriftConfig.parse({}) }, { threads: 2 });
    expect([snapshot(reference), snapshot(current)]).toEqual(before);
  });

  it('rejects with the same typed errors as the serial engine', async () => {
    await expect(computeDriftReportParallel(reference, current, { config: DriftConfig.parse({ method: 'ks' }) }, { threads: 2 })).rejects.toThrow(ConfigError);
    const bad = categorical(['x', 'y', 'x']);
    bad.codes[1] = 9;
    const error = await computeDriftReportParallel(columnSet({ c: bad }), columnSet({ c: categorical(['x', 'y', 'x']) }), { config: DriftConfig.parse({}) }, { threads: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toBe('column "c" in the reference window: code 9 at row 2 is not a category index (0..1) or -1');
    expect((error as DataError).details).toEqual({ column: 'c', window: 'reference', row: 2 });
    // The pool is still usable afterwards.
    const options = { config: DriftConfig.parse({}) };
    expect(await computeDriftReportParallel(reference, current, options, { threads: 2 })).toEqual(computeDriftReport(reference, current, options));
  });
});
