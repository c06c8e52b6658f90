import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPass, waitForPass } from '../../client/pass.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import { temporalCli } from '../../config/paths.js';
import { readCsv, writeCsv } from '../../dataset/csv.js';
import { isAlive, trainerPids } from '../support/processes.js';
import { startHarness, type Harness } from '../support/harness.js';
import { exampleProject } from '../support/example.js';
import { startPythonTrainerWorker } from '../support/python-worker.js';

let local: Harness;
let remote: Harness;
let trainerQueue: string;
let python: Awaited<ReturnType<typeof startPythonTrainerWorker>>;

beforeAll(async () => {
  [local, remote] = await Promise.all([startHarness(), startHarness()]);
  trainerQueue = `${remote.taskQueue}-trainer`;
  python = await startPythonTrainerWorker(inject('temporalAddress'), trainerQueue);
});
afterAll(async () => {
  await python?.stop();
  await Promise.all([local?.stop(), remote?.stop()]);
});

const viaTemporal = (p: PipelineConfig): PipelineConfig => ({ ...p, trainer: { ...p.trainer, runner: 'temporal', taskQueue: trainerQueue } });


describe('the temporal runner (Python trainer workers on their own task queue)', () => {
  it('a full pass registers the same version (same content hash) as the local runner for the same data and seed', async () => {
    const { steady, drifted } = await exampleProject();
    const viaLocal = await waitForPass(await startPass(local.client, steady, { taskQueue: local.taskQueue }));
    const viaRemote = await waitForPass(await startPass(remote.client, viaTemporal(steady), { taskQueue: remote.taskQueue }));
    expect(viaRemote.decision).toBe('bootstrapped');
    const a = await local.registry.resolveAlias(steady.model, 'champion');
    const b = await remote.registry.resolveAlias(steady.model, 'champion');
    expect(b?.sha256).toBe(a?.sha256);
    expect(viaRemote.stages.retrain).toMatchObject({ status: 'done', result: { trained: true } });
    expect(viaLocal.stages.retrain).toMatchObject({ status: 'done' });

    // And a retrain after drift goes through the same path.
    const handle = await startPass(remote.client, viaTemporal(drifted), { taskQueue: remote.taskQueue });
    const second = await waitForPass(handle);
    expect(second.decision).toBe('promoted');

    // The runner's own workflow path replays deterministically (and is kept as a fixture).
    const history = await handle.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, handle.workflowId);
    if (process.env.DRIFTLOOP_RECORD_HISTORIES === '1') {
      const json = execFileSync(temporalCli(), [
        'workflow', 'show', '--workflow-id', handle.workflowId, '--address', inject('temporalAddress'), '--output', 'json',
      ]);
      await writeFile(new URL('../histories/retrain-pipeline-temporal-runner.json', import.meta.url), json);
    }
  });

  it('a data error fails fast with a non-retryable TrainerError naming the column, after one attempt', async () => {
    const { model, steady, dir } = await exampleProject();
    const raw = await readCsv(steady.data.reference);
    const drop = raw.header.indexOf('tenure_months');
    const broken = join(dir, 'no-tenure.csv');
    await writeCsv(broken, raw.header.filter((_, i) => i !== drop), raw.rows.map((r) => r.filter((_, i) => i !== drop)));
    const handle = await startPass(remote.client, viaTemporal({ ...steady, data: { ...steady.data, reference: broken } }), {
      taskQueue: remote.taskQueue,
    });
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const failure = (err as WorkflowFailedError).cause?.cause as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('TrainerError');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('tenure_months');
    const history = await handle.fetchHistory();
    const attempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes).map((e) => Number(e.activityTaskStartedEventAttributes!.attempt));
    expect(Math.max(...attempts)).toBe(1);
    expect(await remote.registry.resolveAlias(model, 'champion')).toBeNull();
  });

  it('cancelling the pass while the Python worker trains kills the trainer process (checked by pid)', async () => {
    const { model, steady } = await exampleProject({
      trainer: { estimator: 'gradient_boosting', params: { n_estimators: 200000, max_depth: 1, learning_rate: 0.001 }, seed: 3, timeoutMinutes: 10, heartbeatSeconds: 10 },
    });
    const handle = await startPass(remote.client, viaTemporal(steady), { taskQueue: remote.taskQueue });
    const deadline = Date.now() + 60_000;
    let pids: number[] = [];
    while (pids.length === 0 && Date.now() < deadline) {
      pids = await trainerPids(remote.home);
      if (pids.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(pids.length).toBeGreaterThan(0);
    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const until = Date.now() + 20_000;
    while (pids.some(isAlive) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(pids.filter(isAlive)).toEqual([]);
    expect(await remote.registry.resolveAlias(model, 'champion')).toBeNull();
  });
});
