import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPass, waitForPass } from '../../client/pass.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import { statusQuery } from '../../workflows/retrain-pipeline.js';
import { StageKey } from '../../workflows/search-attributes.js';
import type { PassSummary } from '../../workflows/summary.js';
import { driftloop } from '../support/cli.js';
import { exampleProject } from '../support/example.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let env: Record<string, string>;
beforeAll(async () => {
  h = await startHarness();
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace'), DRIFTLOOP_TASK_QUEUE: h.taskQueue };
});
afterAll(async () => {
  await h?.stop();
});

function oneLineError(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr.trim()).toMatch(pattern);
}

/** A model with a champion (v1) whose drifted pass, under `manual`, trains a winning candidate (v2) and waits. */
async function waitingPass(approval?: { timeoutDays: number }) {
  const { model, steady, drifted } = await exampleProject({ promotion: { policy: 'manual', ...(approval ? { approval } : {}) } });
  await waitForPass(await startPass(h.client, steady, { taskQueue: h.taskQueue }));
  const handle = await startPass(h.client, drifted, { taskQueue: h.taskQueue });
  let s: PassSummary;
  const deadline = Date.now() + 60_000;
  do {
    await new Promise((r) => setTimeout(r, 200));
    s = await handle.query(statusQuery);
  } while (s.stage !== 'approval' && s.decision === null && Date.now() < deadline);
  return { model, handle, drifted: drifted as PipelineConfig, waiting: s };
}

describe('promotion policy manual: approval by Workflow Update, on a durable timer', () => {
  it('waits with the candidate registered and champion untouched, refuses a wrong version, and promotes on `driftloop approve`', async () => {
    const { model, handle, waiting } = await waitingPass();
    expect(waiting).toMatchObject({ stage: 'approval', decision: null, candidate: { version: 2 }, approval: { status: 'waiting', candidate: 2 } });
    const deadline = Date.parse((waiting.approval as { deadline: string }).deadline);
    expect(deadline - Date.parse((waiting.approval as { since: string }).since)).toBe(7 * 86_400_000);
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);
    expect((await h.registry.listVersions(model)).map((v) => v.version)).toEqual([1, 2]);
    // Waiting passes are found by their search attribute.
    expect((await handle.describe()).typedSearchAttributes.get(StageKey)).toBe('approval');

    const status = await driftloop(['status', model], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`pass retrain-${model} \\(run \\S+\\) running`));
    expect(status.stdout).toMatch(/approval\s+v2 waits for `driftloop approve\|reject` until 20/);

    oneLineError(
      await driftloop(['approve', model, '--version', '3', '--by', 'alice'], env),
      new RegExp(`^driftloop: error: pass retrain-${model} refused "approve": version 3 is not the candidate waiting for approval \\(version 2\\)$`),
    );
    oneLineError(await driftloop(['approve', model, '--by', ' '], env), /^driftloop: error: approve: --by: /);
    const ok = await driftloop(['approve', `retrain-${model}`, '--version', '2', '--by', 'alice', '--comment', 'looks right'], env);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('approved candidate v2 (by alice)\n');

    const s = await waitForPass(handle);
    expect(s.decision).toBe('promoted');
    expect(s.approval).toMatchObject({ status: 'approved', candidate: 2, by: 'alice', comment: 'looks right' });
    expect(s.stages.promote).toMatchObject({ status: 'done', result: { version: 2, promoted: true, previousChampion: 1 } });
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(2);
    const moves = (await h.registry.aliasHistory(model, 'champion')).filter((m) => m.toVersion === 2);
    expect(moves).toHaveLength(1);
    expect(moves[0]!.reason).toMatch(/approved by alice$/);

    oneLineError(await driftloop(['reject', model, '--by', 'bob'], env), new RegExp(`^driftloop: error: pass retrain-${model} \\(run \\S+\\) has finished \\(completed\\); nothing waits for approval$`));
  });

  it('a rejection leaves the champion untouched and keeps the rejected candidate registered', async () => {
    const { model, handle } = await waitingPass();
    const no = await driftloop(['reject', model, '--by', 'bob', '--comment', 'not this week', '--json'], env);
    expect(no.code).toBe(0);
    expect(JSON.parse(no.stdout)).toMatchObject({ status: 'rejected', candidate: 2, by: 'bob', comment: 'not this week' });
    const s = await waitForPass(handle);
    expect(s.decision).toBe('rejected');
    expect(s.stages.promote).toMatchObject({ status: 'done', result: { version: 2, promoted: false } });
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);
    expect((await h.registry.aliasHistory(model, 'champion')).map((m) => m.toVersion)).toEqual([1]);
    expect((await h.registry.listVersions(model)).map((v) => v.version)).toEqual([1, 2]);
  });

  it('nobody answering before the deadline rejects the candidate', async () => {
    // 0.0001 days = 8.64 s on the durable timer.
    const { model, handle, waiting } = await waitingPass({ timeoutDays: 0.0001 });
    expect(waiting.approval).toMatchObject({ status: 'waiting' });
    const s = await waitForPass(handle);
    expect(s.decision).toBe('rejected');
    expect(s.approval).toMatchObject({ status: 'timed-out', candidate: 2 });
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);
  });
});
