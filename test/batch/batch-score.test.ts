import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBatch } from '../../client/batch.js';
import { loadBatchConfig } from '../../config/load-batch.js';
import { trainFile } from '../../training/train-file.js';
import { ModelNameKey } from '../../workflows/search-attributes.js';
import { withClient, postgresUrl } from '../registry/postgres-support.js';
import { startHarness, type Harness } from '../support/harness.js';
import { batchFixture, expectedScores, expectOutputsMatch, listDir, registerChampion, writeBatchConfig, writeRows, type BatchFixture } from './support.js';

let h: Harness;
let fx: BatchFixture;
let want: (string | number)[][];
beforeAll(async () => {
  [h, fx] = await Promise.all([startHarness(), batchFixture()]);
  want = await expectedScores(fx, fx.inputTable);
});
afterAll(async () => {
  await h?.stop();
});

describe('batchScore', () => {
  it('scores a CSV file in chunks, one output per chunk, continuing as new after chunksPerRun chunks', async () => {
    const m = await registerChampion(h.registry, fx);
    const file = await writeBatchConfig(fx.dir, { model: m.model, input: { kind: 'file', path: 'current-drifted.csv' }, output: { path: 'out-file' }, chunkRows: 400 }, 'file.yaml');
    const batch = await loadBatchConfig(file);
    const handle = await startBatch(h.client, batch, { taskQueue: h.taskQueue, chunksPerRun: 2 });
    const result = await handle.result();

    expect(result).toMatchObject({ model: m.model, version: m.version, sha256: m.sha256, totalRows: 1500, rows: 1500, runs: 2 });
    expect(result.chunks.map((c) => [c.index, c.firstRow, c.rows])).toEqual([[0, 1, 400], [1, 401, 400], [2, 801, 400], [3, 1201, 300]]);
    expect(result.outputDir.startsWith(join(fx.dir, 'out-file', `${m.model}-`))).toBe(true);
    // Only finished outputs (and the plan) are left: no partial or temporary files.
    expect(await listDir(result.outputDir)).toEqual(['_plan.json', ...[0, 1, 2, 3].flatMap((i) => [`part-0000${i}.csv`, `part-0000${i}.csv.metadata.json`])]);
    for (const c of result.chunks) expect(c.seconds).toBeGreaterThan(0);
    await expectOutputsMatch(result.chunks.map((c) => c.output), fx.inputTable, want, m.version, expect);
    const meta = JSON.parse(await readFile(`${result.chunks[0]!.output}.metadata.json`, 'utf8'));
    expect(meta).toMatchObject({ 'driftloop.model': m.model, 'driftloop.version': String(m.version), 'driftloop.sha256': m.sha256 });

    // The run is findable by model in the Web UI / `temporal workflow list --query "ModelName = …"`.
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(ModelNameKey)).toBe(m.model);
    expect(described.runId).not.toBe(handle.firstExecutionRunId); // continued as new
  });

  it('scores a folder of partitioned files in file-name order, only those matching the pattern, into Parquet', async () => {
    const m = await registerChampion(h.registry, fx);
    const parts = join(fx.dir, 'parts');
    // Written out of order: the plan sorts by name.
    await writeRows(join(parts, 'day-2.parquet'), fx.inputTable, 600, 1100);
    await writeRows(join(parts, 'day-1.csv'), fx.inputTable, 0, 600);
    await writeRows(join(parts, 'day-3.csv'), fx.inputTable, 1100, 1500);
    await writeFile(join(parts, 'notes.csv'), 'not,a,partition\n1,2,3\n');
    const file = await writeBatchConfig(
      fx.dir,
      { name: `${m.model}-parts`, model: m.model, alias: 'champion', input: { kind: 'folder', path: 'parts', pattern: 'day-*' }, output: { path: 'out-parts', format: 'parquet' }, chunkRows: 500, parallelism: 3 },
      'folder.yaml',
    );
    const result = await (await startBatch(h.client, await loadBatchConfig(file), { taskQueue: h.taskQueue })).result();
    expect(result.runs).toBe(1);
    expect(result.chunks.map((c) => [c.source.split('/').pop(), c.firstRow, c.rows])).toEqual([
      ['day-1.csv', 1, 500],
      ['day-1.csv', 501, 100],
      ['day-2.parquet', 1, 500],
      ['day-3.csv', 1, 400],
    ]);
    expect(result.chunks.every((c) => c.output.endsWith('.parquet'))).toBe(true);
    await expectOutputsMatch(result.chunks.map((c) => c.output), fx.inputTable, want, m.version, expect);
  });

  it('scores a PostgreSQL query, reading the URL from the environment variable the config names', async () => {
    const m = await registerChampion(h.registry, fx);
    const table = `batch_rows_${m.model.replace(/-/g, '_')}`;
    await withClient(async (c) => {
      await c.query(`create table ${table} (id int primary key, tenure_months double precision, monthly_charges double precision, support_calls int, plan text, churned text)`);
      // Inserted in reverse: the chunks follow orderBy, not the insertion order.
      const rows = fx.inputTable.rows.map((r, i) => [i + 1, ...r]).reverse();
      for (let i = 0; i < rows.length; i += 500) {
        const slice = rows.slice(i, i + 500);
        await c.query(`insert into ${table} values ${slice.map((_, k) => `(${[1, 2, 3, 4, 5, 6].map((j) => `$${k * 6 + j}`).join(',')})`).join(',')}`, slice.flat());
      }
    });
    process.env.BATCH_TEST_WAREHOUSE_URL = postgresUrl();
    const file = await writeBatchConfig(
      fx.dir,
      { model: m.model, input: { kind: 'postgres', query: `select id, tenure_months, monthly_charges, support_calls, plan, churned from ${table}`, orderBy: 'id', urlEnv: 'BATCH_TEST_WAREHOUSE_URL' }, output: { path: 'out-pg' }, chunkRows: 700 },
      'pg.yaml',
    );
    expect(await readFile(file, 'utf8')).not.toContain('postgres://');
    const result = await (await startBatch(h.client, await loadBatchConfig(file), { taskQueue: h.taskQueue })).result();
    expect(result.chunks.map((c) => [c.source, c.firstRow, c.rows])).toEqual([
      ['PostgreSQL query (BATCH_TEST_WAREHOUSE_URL)', 1, 700],
      ['PostgreSQL query (BATCH_TEST_WAREHOUSE_URL)', 701, 700],
      ['PostgreSQL query (BATCH_TEST_WAREHOUSE_URL)', 1401, 100],
    ]);
    const withId = { file: '', header: ['id', ...fx.inputTable.header], rows: fx.inputTable.rows.map((r, i) => [String(i + 1), ...r]) };
    await expectOutputsMatch(result.chunks.map((c) => c.output), withId, want, m.version, expect);
  });

  it('uses a fixed version when the config names one, not the champion', async () => {
    const m = await registerChampion(h.registry, fx);
    // A second, different model becomes champion; the config pins the first.
    const other = await trainFile({ data: join(fx.dir, 'reference.csv'), target: 'churned', out: join(fx.dir, 'model-2'), estimator: 'logistic_regression' });
    const v2 = await h.registry.registerVersion({ model: m.model, onnx: await readFile(other.model), card: { ...other.card, modelName: m.model }, trainingData: await readFile(join(fx.dir, 'reference.csv')) });
    await h.registry.promote({ model: m.model, to: v2.version.version, expectedChampion: m.version, actor: 'test', reason: 'second' });
    const small = join(fx.dir, 'small');
    await mkdir(small, { recursive: true });
    await writeRows(join(small, 'rows.csv'), fx.inputTable, 0, 50);
    const file = await writeBatchConfig(fx.dir, { model: m.model, version: m.version, input: { kind: 'file', path: 'small/rows.csv' }, output: { path: 'out-fixed' } }, 'fixed.yaml');
    const result = await (await startBatch(h.client, await loadBatchConfig(file), { taskQueue: h.taskQueue })).result();
    expect(result).toMatchObject({ version: m.version, rows: 50 });
    const table = { file: '', header: fx.inputTable.header, rows: fx.inputTable.rows.slice(0, 50) };
    await expectOutputsMatch(result.chunks.map((c) => c.output), table, want.slice(0, 50), m.version, expect);
  });

  it('fails with the data error, naming the file and the missing column, when the input lacks a feature', async () => {
    const m = await registerChampion(h.registry, fx);
    await writeFile(join(fx.dir, 'no-plan.csv'), 'tenure_months,monthly_charges,support_calls\n1,2,3\n');
    const file = await writeBatchConfig(fx.dir, { model: m.model, input: { kind: 'file', path: 'no-plan.csv' }, output: { path: 'out-bad' } }, 'bad-data.yaml');
    const handle = await startBatch(h.client, await loadBatchConfig(file), { taskQueue: h.taskQueue });
    const err = await handle.result().then(() => null, (e: Error) => e);
    let e: unknown = err;
    while ((e as Error)?.cause) e = (e as Error).cause;
    expect((e as Error).message).toMatch(/no-plan\.csv lacks the model's feature column\(s\) "plan"/);
  });

  it('fails with a one-line reason for a model not in the registry, an alias it lacks, and a plan of too many chunks', async () => {
    const failure = async (cfg: Record<string, unknown>, name: string) => {
      const handle = await startBatch(h.client, await loadBatchConfig(await writeBatchConfig(fx.dir, cfg, name)), { taskQueue: h.taskQueue });
      let e: unknown = await handle.result().then(() => null, (err: Error) => err);
      while ((e as Error)?.cause) e = (e as Error).cause;
      return (e as Error).message;
    };
    const m = await registerChampion(h.registry, fx);
    const output = { path: 'out-refused' };
    const input = { kind: 'file', path: 'current-drifted.csv' };
    expect(await failure({ model: `${m.model}-nope`, input, output }, 'no-model.yaml')).toBe(`there is no model "${m.model}-nope" in the registry`);
    expect(await failure({ model: m.model, alias: 'staging', input, output }, 'no-alias.yaml')).toBe(`model "${m.model}" has no "staging" alias`);
    await writeFile(join(fx.dir, 'many.csv'), `${fx.inputTable.header.join(',')}\n${Array.from({ length: 2001 }, () => fx.inputTable.rows[0]!.join(',')).join('\n')}\n`);
    expect(await failure({ model: m.model, input: { kind: 'file', path: 'many.csv' }, output, chunkRows: 1 }, 'many.yaml')).toBe(
      'chunkRows: 1 cuts the input into 2001 chunks, more than 2000; raise chunkRows',
    );
  });

  it('refuses a second run of the same job while one runs', async () => {
    const m = await registerChampion(h.registry, fx);
    const file = await writeBatchConfig(fx.dir, { model: m.model, input: { kind: 'file', path: 'current-drifted.csv' }, output: { path: 'out-twice' }, chunkRows: 100 }, 'twice.yaml');
    const batch = await loadBatchConfig(file);
    const first = await startBatch(h.client, batch, { taskQueue: h.taskQueue });
    await expect(startBatch(h.client, batch, { taskQueue: h.taskQueue })).rejects.toThrow(`batch "batch-${m.model}" is already running`);
    await first.result();
  });
});
