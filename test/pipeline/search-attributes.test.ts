import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPass, waitForPass } from '../../client/pass.js';
import { CandidateVersionKey, DecisionKey, ModelNameKey, StageKey } from '../../workflows/search-attributes.js';
import { exampleProject } from '../support/example.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** Visibility is eventually consistent: poll the list query briefly. */
async function listIds(query: string, want: number): Promise<string[]> {
  for (let i = 0; i < 50; i++) {
    const ids: string[] = [];
    for await (const w of h.client.workflow.list({ query })) ids.push(w.runId);
    if (ids.length >= want) return ids;
    await new Promise((r) => setTimeout(r, 200));
  }
  return [];
}

describe('search attributes of a pass', () => {
  it('sets Stage, Decision and CandidateVersion as the pass advances, so runs can be filtered by them', async () => {
    const { model, steady, drifted } = await exampleProject();
    const first = await startPass(h.client, steady, { taskQueue: h.taskQueue });
    await waitForPass(first);
    const second = await startPass(h.client, drifted, { taskQueue: h.taskQueue });
    const summary = await waitForPass(second);
    expect(summary.decision).toBe('promoted');

    const attrs = (await second.describe()).typedSearchAttributes;
    expect(attrs.get(ModelNameKey)).toBe(model);
    expect(attrs.get(StageKey)).toBe('done');
    expect(attrs.get(DecisionKey)).toBe('promoted');
    expect(attrs.get(CandidateVersionKey)).toBe(2);
    // Both passes share the workflow id retrain-<model>: address the first by its run id.
    const bootstrap = (await h.client.workflow.getHandle(first.workflowId, first.firstExecutionRunId).describe()).typedSearchAttributes;
    expect(bootstrap.get(DecisionKey)).toBe('bootstrapped');
    expect(bootstrap.get(CandidateVersionKey)).toBe(1);

    // What `temporal workflow list --query` and the Web UI filter on.
    const promoted = await listIds(`ModelName = '${model}' AND Decision = 'promoted' AND CandidateVersion = 2`, 1);
    expect(promoted).toEqual([summary.runId]);
    const all = await listIds(`ModelName = '${model}' AND Stage = 'done'`, 2);
    expect(all.sort()).toEqual([first.firstExecutionRunId, summary.runId].sort());
  });
});
