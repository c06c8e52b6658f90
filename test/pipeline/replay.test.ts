import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { passStartOptions, startPass, waitForPass } from '../../client/pass.js';
import { approveUpdate } from '../../workflows/approval.js';
import { statusQuery } from '../../workflows/retrain-pipeline.js';
import type { scheduledPass } from '../../workflows/scheduled-pass.js';
import { temporalCli } from '../../config/paths.js';
import { startHarness, type Harness } from '../support/harness.js';
import { exampleProject } from '../support/example.js';

const HISTORIES = new URL('../histories/', import.meta.url);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** Names other tests record (test/pipeline/canary-watch.test.ts records the canary and watch passes); the first test records under any other name. */
const OTHER_RECORDINGS = ['retrain-pipeline-approval', 'scheduled-pass', 'retrain-pipeline-canary', 'retrain-pipeline-watch'];

/**
 * DRIFTLOOP_RECORD_HISTORIES=<name> writes test/histories/<name>.json. Older
 * recordings are kept: they prove that patched() changes still replay runs
 * that were open when the code changed. The CLI's JSON is the format
 * Worker.runReplayHistory reads back.
 */
async function saveHistory(workflowId: string, runId: string, name: string): Promise<void> {
  const json = execFileSync(temporalCli(), [
    'workflow', 'show', '--workflow-id', workflowId, '--run-id', runId, '--address', inject('temporalAddress'), '--output', 'json',
  ]);
  await writeFile(new URL(`${name}.json`, HISTORIES), json);
}

describe('retrainPipeline determinism', () => {
  it('a freshly recorded history (bootstrap, then drift → promotion) replays without non-determinism', async () => {
    const { steady, drifted } = await exampleProject();
    await waitForPass(await startPass(h.client, steady, { taskQueue: h.taskQueue }));
    const handle = await startPass(h.client, drifted, { taskQueue: h.taskQueue });
    await waitForPass(handle);
    const history = await handle.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, handle.workflowId);
    const record = process.env.DRIFTLOOP_RECORD_HISTORIES;
    if (record && !OTHER_RECORDINGS.includes(record)) await saveHistory(handle.workflowId, handle.firstExecutionRunId, /^[a-z0-9-]+$/.test(record) ? record : 'retrain-pipeline-promoted');
    expect(history.events!.length).toBeGreaterThan(10);
  });

  it('a pass that waited for approval (a Workflow Update) replays', async () => {
    const { steady, drifted } = await exampleProject({ promotion: { policy: 'manual' } });
    await waitForPass(await startPass(h.client, steady, { taskQueue: h.taskQueue }));
    const handle = await startPass(h.client, drifted, { taskQueue: h.taskQueue });
    for (let s = await handle.query(statusQuery); s.approval?.status !== 'waiting'; s = await handle.query(statusQuery)) {
      if (s.decision) throw new Error(`the pass decided ${s.decision} without waiting`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'replay-test' }] });
    expect((await waitForPass(handle)).decision).toBe('promoted');
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, await handle.fetchHistory(), handle.workflowId);
    if (process.env.DRIFTLOOP_RECORD_HISTORIES === 'retrain-pipeline-approval') await saveHistory(handle.workflowId, handle.firstExecutionRunId, 'retrain-pipeline-approval');
  });

  it('a scheduled pass (the wrapper that takes the model\'s pass id) replays', async () => {
    const { steady } = await exampleProject();
    const { workflowType, ...start } = passStartOptions(steady, { taskQueue: h.taskQueue, trigger: { kind: 'schedule', scheduleId: 'driftloop-replay' } });
    expect(workflowType).toBe('retrainPipeline');
    const handle = await h.client.workflow.start<typeof scheduledPass>('scheduledPass', {
      taskQueue: h.taskQueue,
      workflowId: `driftloop-replay-${steady.model}`,
      args: [{ pass: start.args[0], memo: start.memo }],
    });
    expect(await handle.result()).toMatchObject({ status: 'ran', summary: { decision: 'bootstrapped' } });
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, await handle.fetchHistory(), handle.workflowId);
    if (process.env.DRIFTLOOP_RECORD_HISTORIES === 'scheduled-pass') await saveHistory(handle.workflowId, handle.firstExecutionRunId, 'scheduled-pass');
  });

  it('every committed history under test/histories/ replays against the current workflow code', async () => {
    const files = (await readdir(HISTORIES)).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const history: unknown = JSON.parse(await readFile(join(HISTORIES.pathname, file), 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, file);
    }
  });
});
