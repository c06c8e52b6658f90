import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPass, waitForPass } from '../../client/pass.js';
import { statusQuery } from '../../workflows/retrain-pipeline.js';
import { exampleProject } from '../support/example.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('a pass that ends during its canary', () => {
  it('cancelled mid-canary, it ends the canary so no traffic goes on to a candidate nobody judges', async () => {
    const { model, steady, drifted } = await exampleProject({ promotion: { canary: { share: 0.3, windowMinutes: 10 } } });
    await waitForPass(await startPass(h.client, steady, { taskQueue: h.taskQueue }));
    const handle = await startPass(h.client, drifted, { taskQueue: h.taskQueue });
    const deadline = Date.now() + 90_000;
    for (let s = await handle.query(statusQuery); !s.canary; s = await handle.query(statusQuery)) {
      if (s.decision || Date.now() > deadline) throw new Error(`the pass did not reach its canary (decision ${s.decision})`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await h.registry.getCanary(model)).toMatchObject({ version: 2, share: 0.3 });

    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(await h.registry.getCanary(model)).toBeNull();
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);
  });
});
