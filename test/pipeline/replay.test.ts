import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startPass, waitForPass } from '../../client/pass.js';
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

describe('retrainPipeline determinism', () => {
  it('a freshly recorded history (bootstrap, then drift → promotion) replays without non-determinism', async () => {
    const { steady, drifted } = await exampleProject();
    await waitForPass(await startPass(h.client, steady, { taskQueue: h.taskQueue }));
    const handle = await startPass(h.client, drifted, { taskQueue: h.taskQueue });
    await waitForPass(handle);
    const history = await handle.fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, handle.workflowId);
    const record = process.env.DRIFTLOOP_RECORD_HISTORIES;
    if (record) {
      // DRIFTLOOP_RECORD_HISTORIES=<name> writes test/histories/<name>.json. Older
      // recordings are kept: they prove that patched() changes still replay runs
      // that were open when the code changed. The CLI's JSON is the format
      // Worker.runReplayHistory reads back.
      const json = execFileSync(temporalCli(), [
        'workflow', 'show', '--workflow-id', handle.workflowId, '--address', inject('temporalAddress'), '--output', 'json',
      ]);
      await writeFile(new URL(`${/^[a-z0-9-]+$/.test(record) ? record : 'retrain-pipeline-promoted'}.json`, HISTORIES), json);
    }
    expect(history.events!.length).toBeGreaterThan(10);
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
