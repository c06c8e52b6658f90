import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatSummary } from '../../client/format-summary.js';
import { startPass, waitForPass } from '../../client/pass.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import { exampleProject } from '../support/example.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const pass = async (p: PipelineConfig) => waitForPass(await startPass(h.client, p, { taskQueue: h.taskQueue }));

describe('the serving sandbox in a real pass', () => {
  it('a winning candidate is served in a real process before it is promoted, and the summary carries the figures', async () => {
    const { model, steady, drifted } = await exampleProject({ sandbox: { requests: 40, latencyBudgetMs: 2000 } });
    await pass(steady);
    const s = await pass(drifted);
    expect(s.decision).toBe('promoted');
    expect(s.sandbox).toMatchObject({ passed: true, requests: 40, reasons: [], budgetMs: 2000 });
    expect(s.sandbox!.latencyMs!.p95).toBeGreaterThan(0);
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(2);
    expect(formatSummary(s)).toMatch(/sandbox\s+passed \(40 requests, p95 [\d.]+ ms of 2000 ms budget\)/);
  });

  it('a candidate over the latency budget is registered but never promoted', async () => {
    const { model, steady, drifted } = await exampleProject({ sandbox: { requests: 20, latencyBudgetMs: 0.001 } });
    await pass(steady);
    const s = await pass(drifted);
    if (s.stages.evaluate.status !== 'done') throw new Error('evaluate did not run');
    expect(s.stages.evaluate.result.won).toBe(true);
    expect(s.decision).toBe('failed-sandbox');
    expect(s.sandbox?.passed).toBe(false);
    expect(s.sandbox?.reasons.join(' ')).toMatch(/latency/);
    expect(s.sandbox?.reasons.join(' ')).toMatch(/0\.001 ms/);
    expect(s.stages.promote).toMatchObject({ status: 'done', result: { version: 2, promoted: false } });
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);
    expect((await h.registry.listVersions(model)).map((v) => v.version)).toEqual([1, 2]);
  });
});
