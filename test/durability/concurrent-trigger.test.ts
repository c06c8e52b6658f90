import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { passWorkflowId, startPass } from '../../client/pass.js';
import { loadPipelineConfig } from '../../config/load.js';
import { writeExampleProject } from '../../demo/example.js';
import { approveUpdate } from '../../workflows/approval.js';
import type { ScheduledPassResult } from '../../workflows/scheduled-pass.js';
import type { PassSummary } from '../../workflows/summary.js';
import { driftloop } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * One pass per model at a time, whatever triggers it: while a pass runs, a
 * second `driftloop run` (the real CLI) is refused naming the running pass,
 * and a schedule tick starts nothing. The running pass is left alone and
 * registers and promotes exactly once.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('a trigger while a pass of the model runs', () => {
  it('is refused by driftloop run (non-zero exit, "already running" with the run id) and starts nothing from a schedule', async () => {
    const model = `concurrent-${Date.now().toString(36)}`;
    // Manual promotion: the pass holds at approval until the test answers, so "while it runs" lasts as long as needed.
    const project = await writeExampleProject(await mkdtemp(join(tmpdir(), 'driftloop-concurrent-')), {
      model,
      // A generous latency budget: the serving sandbox is measured on a machine busy with other tests.
      overrides: { promotion: { policy: 'manual' }, sandbox: { latencyBudgetMs: 10_000 } },
    });
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace'), DRIFTLOOP_TASK_QUEUE: h.taskQueue };
    const steady = await loadPipelineConfig(project.steadyConfig);
    const drifted = await loadPipelineConfig(project.driftedConfig);
    expect((await (await startPass(h.client, steady, { taskQueue: h.taskQueue })).result()).decision).toBe('bootstrapped');

    const handle = await startPass(h.client, drifted, { taskQueue: h.taskQueue });
    const runId = handle.firstExecutionRunId;
    const refusal = new RegExp(`^driftloop: error: a pass of model "${model}" is already running \\(workflow retrain-${model}, run ${runId}\\)$`);

    // While its stages run…
    const second = await driftloop(['run', project.driftedConfig, '--wait'], env);
    expect(second.code).not.toBe(0);
    expect(second.stderr.trim()).toMatch(refusal);
    expect(second.stdout).toBe('');

    // …a schedule tick records "already running" and starts no second pass.
    const schedule = `${model}-tick`;
    try {
      expect((await driftloop(['schedule', 'create', schedule, '--retrain', project.driftedConfig, '--every', '1d'], env)).code).toBe(0);
      const tick = await driftloop(['schedule', 'trigger', schedule], env);
      const m = /started (\S+) \(run (\S+)\)/.exec(tick.stdout);
      expect(m, tick.stdout + tick.stderr).not.toBeNull();
      const ran = (await h.client.workflow.getHandle(m![1]!, m![2]!).result()) as ScheduledPassResult;
      expect(ran).toMatchObject({ status: 'already-running', workflowId: passWorkflowId(model) });
    } finally {
      await driftloop(['schedule', 'delete', schedule], env);
    }

    // …and while it waits for approval, a forced run is refused the same way.
    for (let i = 0; ; i++) {
      const status = (await handle.query('status')) as PassSummary;
      if (status.approval?.status === 'waiting') break;
      if (status.decision !== null || i > 600) throw new Error(`the pass never reached approval: ${JSON.stringify(status)}`);
      await sleep(100);
    }
    const forced = await driftloop(['run', project.driftedConfig, '--force'], env);
    expect(forced.code).not.toBe(0);
    expect(forced.stderr.trim()).toMatch(refusal);

    // The running pass was untouched by all of it: still the same run, and it completes once approved.
    expect((await h.client.workflow.getHandle(passWorkflowId(model)).describe()).runId).toBe(runId);
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'durability-test' }] });
    const summary = await handle.result();
    expect(summary.decision).toBe('promoted');

    expect((await h.registry.listVersions(model)).filter((v) => v.runId === runId)).toHaveLength(1);
    expect((await h.registry.aliasHistory(model, 'champion')).map((m) => [m.fromVersion, m.toVersion, m.runId])).toEqual([
      [null, 1, expect.any(String)],
      [1, 2, runId],
    ]);
    // Two passes of the model ever ran: the bootstrap and this one.
    const runs: string[] = [];
    for await (const wf of h.client.workflow.list({ query: `WorkflowId = '${passWorkflowId(model)}'` })) runs.push(wf.runId);
    expect(runs).toHaveLength(2);
    expect(runs).toContain(runId);
  });
});
