import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPass, waitForPass } from '../../client/pass.js';
import { startHarness, type Harness } from '../support/harness.js';
import { exampleProject } from '../support/example.js';

// The trainer imports user code only from this directory (a mount in the container).
process.env.DRIFTLOOP_USER_CODE = fileURLToPath(new URL('../../examples/user_code/', import.meta.url));

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('a user-code estimator', () => {
  it('trains through the same pass and is registered with its code reference in the model card', async () => {
    const { model, steady } = await exampleProject({ trainer: { code: 'churn_models:build', params: { C: 0.5 } } });
    const summary = await waitForPass(await startPass(h.client, steady, { taskQueue: h.taskQueue }));
    expect(summary.decision).toBe('bootstrapped');
    const champion = await h.registry.resolveAlias(model, 'champion');
    expect((champion?.card as { estimator?: { code?: string } }).estimator?.code).toBe('churn_models:build');
    expect(champion?.card.metrics.accuracy).toBeGreaterThan(0.6);
  });
});
