import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BatchScoringHooks } from '../../activities/batch-score.js';
import { createActivities } from '../../activities/index.js';
import { startBatch } from '../../client/batch.js';
import { loadBatchConfig } from '../../config/load-batch.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { trainFile } from '../../training/train-file.js';
import { batchFixture, expectedScores, expectOutputsMatch, listDir, registerChampion, writeBatchConfig, type BatchFixture } from './support.js';

/**
 * A real worker like test/support/harness.ts's, built with test hooks in the
 * activities' dependencies: they count the rows each attempt scores and fail
 * an attempt right after it heartbeated its offset.
 */
let fx: BatchFixture;
let registry: SqlRegistry;
let home: string;
let taskQueue: string;
let client: Client;
let worker: Worker;
let running: Promise<void>;
let nativeConnection: NativeConnection;
const scored: { index: number; offset: number; rows: number; attempt: number }[] = [];
let fault: BatchScoringHooks['afterHeartbeat'];

beforeAll(async () => {
  fx = await batchFixture();
  home = await mkdtemp(join(tmpdir(), 'driftloop-batch-resume-'));
  registry = await openSqliteRegistry(home);
  taskQueue = `test-${randomUUID()}`;
  nativeConnection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const hooks: BatchScoringHooks = {
    onScored: (e) => scored.push(e),
    afterHeartbeat: (e) => fault?.(e),
  };
  worker = await Worker.create({
    connection: nativeConnection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: createActivities({ registry, home, batchHooks: hooks }),
  });
  running = worker.run();
  client = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }), namespace: inject('temporalNamespace') });
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await client?.connection.close();
  await nativeConnection?.close();
  await registry?.close();
  await rm(home, { recursive: true, force: true });
});

describe('batchScore chunk retries', () => {
  it('a chunk that fails after heartbeating resumes from its offset: the rows before it are not scored again', async () => {
    const m = await registerChampion(registry, fx);
    const other = await trainFile({ data: join(fx.dir, 'reference.csv'), target: 'churned', out: join(fx.dir, 'model-other'), estimator: 'logistic_regression' });
    let moved = false;
    // Chunk 1's first attempt dies after its second segment (offset 200 of 400) was heartbeated.
    // Meanwhile champion moves to another version: the batch keeps the version it resolved at the start.
    fault = async (e) => {
      if (!moved) {
        moved = true;
        const v2 = await registry.registerVersion({ model: m.model, onnx: await readFile(other.model), card: { ...other.card, modelName: m.model }, trainingData: await readFile(join(fx.dir, 'reference.csv')) });
        await registry.promote({ model: m.model, to: v2.version.version, expectedChampion: m.version, actor: 'test', reason: 'moved mid-batch' });
      }
      if (e.index === 1 && e.attempt === 1 && e.offset === 200) throw new Error('injected fault: worker lost mid-chunk');
    };
    const file = await writeBatchConfig(fx.dir, { model: m.model, input: { kind: 'file', path: 'current-drifted.csv' }, output: { path: 'out-resume' }, chunkRows: 400, parallelism: 1 }, 'resume.yaml');
    const result = await (await startBatch(client, await loadBatchConfig(file), { taskQueue })).result();

    const chunk1 = result.chunks[1]!;
    expect(chunk1).toMatchObject({ index: 1, firstRow: 401, rows: 400, attempt: 2, resumedFrom: 200 });
    // Segments of 100 rows: attempt 1 scored offsets 0 and 100, attempt 2 only 200 and 300.
    const ofChunk1 = scored.filter((s) => s.index === 1).map((s) => [s.attempt, s.offset, s.rows]);
    expect(ofChunk1).toEqual([[1, 0, 100], [1, 100, 100], [2, 200, 100], [2, 300, 100]]);
    // Every row was scored exactly once overall, and every output row is there once, in order, by the first version.
    expect(scored.reduce((n, s) => n + s.rows, 0)).toBe(1500);
    expect(result.version).toBe(m.version);
    await expectOutputsMatch(result.chunks.map((c) => c.output), fx.inputTable, await expectedScores(fx, fx.inputTable), m.version, expect);
    expect((await listDir(result.outputDir)).filter((f) => f.includes('partial') || f.includes('tmp'))).toEqual([]);
  });
});
