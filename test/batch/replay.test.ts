import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startBatch } from '../../client/batch.js';
import { loadBatchConfig } from '../../config/load-batch.js';
import { temporalCli } from '../../config/paths.js';
import { startHarness, type Harness } from '../support/harness.js';
import { batchFixture, registerChampion, writeBatchConfig, type BatchFixture } from './support.js';

const HISTORY = new URL('../histories/batch-score.json', import.meta.url);

let h: Harness;
let fx: BatchFixture;
beforeAll(async () => {
  [h, fx] = await Promise.all([startHarness(), batchFixture()]);
});
afterAll(async () => {
  await h?.stop();
});

describe('batchScore determinism', () => {
  it('a freshly recorded history (parallel chunks, then continue-as-new) replays without non-determinism', async () => {
    const m = await registerChampion(h.registry, fx);
    const file = await writeBatchConfig(fx.dir, { model: m.model, input: { kind: 'file', path: 'current-drifted.csv' }, output: { path: 'out-replay' }, chunkRows: 500, parallelism: 2 }, 'replay.yaml');
    const handle = await startBatch(h.client, await loadBatchConfig(file), { taskQueue: h.taskQueue, chunksPerRun: 2 });
    const result = await handle.result();
    expect(result.runs).toBe(2);
    // The first run: resolve, plan, two chunks side by side, continue-as-new.
    const first = h.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId);
    const history = await first.fetchHistory();
    const types = history.events!.map((e) => e.eventType);
    expect(types.at(-1)).toBe(28); // EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, handle.workflowId);
    if (process.env.DRIFTLOOP_RECORD_HISTORIES === 'batch-score') {
      // The CLI's JSON is the format Worker.runReplayHistory reads back.
      const json = execFileSync(temporalCli(), [
        'workflow', 'show', '--workflow-id', handle.workflowId, '--run-id', handle.firstExecutionRunId, '--address', inject('temporalAddress'), '--output', 'json',
      ]);
      await writeFile(HISTORY, json);
    }
  });

  it('the committed test/histories/batch-score.json replays against the current workflow code', async () => {
    const history: unknown = JSON.parse(await readFile(HISTORY, 'utf8'));
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, 'batch-score.json');
  });
});
