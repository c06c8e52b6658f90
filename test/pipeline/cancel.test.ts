import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPass } from '../../client/pass.js';
import { isAlive, trainerPids } from '../support/processes.js';
import { startHarness, type Harness } from '../support/harness.js';
import { exampleProject } from '../support/example.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});


async function waitFor<T>(fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('cancelling a pass', () => {
  it('while the trainer runs kills the trainer process (checked by pid) and touches no champion', async () => {
    // Many tiny boosting stages: minutes of CPU if the kill failed, little memory.
    const { model, steady } = await exampleProject({
      trainer: {
        estimator: 'gradient_boosting',
        params: { n_estimators: 200000, max_depth: 1, learning_rate: 0.001 },
        seed: 1,
        timeoutMinutes: 10,
      },
    });
    const handle = await startPass(h.client, steady, { taskQueue: h.taskQueue });
    const pids = await waitFor(async () => {
      const p = await trainerPids(h.home);
      return p.length > 0 ? p : undefined;
    }, 60_000);

    await handle.cancel();
    const err = await handle.result().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);

    // Gone means reaped too: a zombie would still answer signal 0.
    await waitFor(async () => (pids.some(isAlive) ? undefined : true), 15_000);
    expect(await trainerPids(h.home)).toEqual([]);
    expect(await h.registry.resolveAlias(model, 'champion')).toBeNull();
  });
});
