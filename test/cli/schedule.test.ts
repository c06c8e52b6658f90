import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { writeExampleProject, type ExampleProject } from '../../demo/example.js';
import type { ScheduleInfo } from '../../client/schedules.js';
import { ModelNameKey } from '../../workflows/search-attributes.js';
import type { ScheduledPassResult } from '../../workflows/scheduled-pass.js';
import { startPass } from '../../client/pass.js';
import { loadPipelineConfig } from '../../config/load.js';
import { driftloop } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';

let h: Harness;
let project: ExampleProject;
let model: string;
let env: Record<string, string>;
beforeAll(async () => {
  h = await startHarness();
  model = `sched-${randomBytes(4).toString('hex')}`;
  project = await writeExampleProject(await mkdtemp(join(tmpdir(), 'driftloop-schedule-')), { model });
  env = { TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: inject('temporalNamespace'), DRIFTLOOP_TASK_QUEUE: h.taskQueue };
});
afterAll(async () => {
  await h?.stop();
});

async function list(): Promise<ScheduleInfo[]> {
  const { code, stdout, stderr } = await driftloop(['schedule', 'list', '--json'], env);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return JSON.parse(stdout) as ScheduleInfo[];
}

/** Schedule listing is eventually consistent in Temporal: poll until it shows what we expect. */
async function listUntil(pred: (all: ScheduleInfo[]) => boolean): Promise<ScheduleInfo[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const all = await list();
    if (pred(all) || Date.now() > deadline) return all;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function oneLineError(r: { code: number; stderr: string }, pattern: RegExp): void {
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr.trim()).toMatch(pattern);
}

describe('driftloop schedule', () => {
  it('creates, lists, triggers a pass a worker completes, pauses, unpauses and deletes a schedule', async () => {
    const name = `${model}-hourly`;
    const created = await driftloop(['schedule', 'create', name, '--retrain', project.steadyConfig, '--every', '1h', '--catchup-window', '2h', '--note', 'hourly retrain'], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(new RegExp(`created schedule ${name} \\(driftloop-${name}\\): retrain ${model} every 1h, next run 20`));

    oneLineError(
      await driftloop(['schedule', 'create', name, '--retrain', project.steadyConfig, '--every', '1h'], env),
      new RegExp(`^driftloop: error: schedule "${name}" already exists`),
    );

    let mine = (await listUntil((all) => all.some((s) => s.name === name))).find((s) => s.name === name);
    oneLineError(
      await driftloop(['schedule', 'create', `${name}-twin`, '--retrain', project.driftedConfig, '--every', '2h'], env),
      new RegExp(`^driftloop: error: model "${model}" already has schedule "${name}"; one schedule per model`),
    );
    expect(mine).toMatchObject({
      scheduleId: `driftloop-${name}`,
      model,
      timing: 'every 1h',
      taskQueue: h.taskQueue,
      paused: false,
      note: 'hourly retrain',
      overlap: 'SKIP',
      catchupWindowMs: 2 * 3_600_000,
    });
    expect(mine!.nextRuns.length).toBeGreaterThan(0);
    expect(Date.parse(mine!.nextRuns[0]!) - Date.now()).toBeLessThanOrEqual(3_600_000);
    const human = await driftloop(['schedule', 'list'], env);
    expect(human.stdout).toMatch(new RegExp(`^${name}\\s+${model}\\s+every 1h\\s+active\\s+20`, 'm'));

    const triggered = await driftloop(['schedule', 'trigger', name], env);
    expect(triggered.code).toBe(0);
    const m = /started (\S+) \(run (\S+)\)/.exec(triggered.stdout);
    expect(m, triggered.stdout).not.toBeNull();
    // Temporal suffixes the schedule's workflow id with the scheduled time; that wrapper starts the
    // pass itself under the model's one pass id, the same `driftloop run` uses.
    expect(m![1]).toMatch(new RegExp(`^driftloop-${name}-`));
    const handle = h.client.workflow.getHandle(m![1]!, m![2]!);
    const ran = (await handle.result()) as ScheduledPassResult;
    expect(ran).toMatchObject({ status: 'ran', workflowId: `retrain-${model}`, summary: { model, decision: 'bootstrapped' } });
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);
    expect((await handle.describe()).typedSearchAttributes.get(ModelNameKey)).toBe(model);
    const pass = await h.client.workflow.getHandle(`retrain-${model}`).describe();
    expect(pass.typedSearchAttributes.get(ModelNameKey)).toBe(model);
    expect(pass.memo).toEqual({ configDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    mine = (await list()).find((s) => s.name === name);
    expect(mine!.recentRuns.at(-1)?.workflowId).toBe(m![1]);

    expect((await driftloop(['schedule', 'pause', name, '--note', 'maintenance'], env)).code).toBe(0);
    mine = (await list()).find((s) => s.name === name);
    expect(mine).toMatchObject({ paused: true, note: 'maintenance' });
    expect((await driftloop(['schedule', 'list'], env)).stdout).toMatch(new RegExp(`^${name}\\s.*paused \\(maintenance\\)`, 'm'));

    expect((await driftloop(['schedule', 'unpause', name], env)).code).toBe(0);
    expect((await list()).find((s) => s.name === name)).toMatchObject({ paused: false });

    const deleted = await driftloop(['schedule', 'delete', name], env);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe(`deleted schedule ${name}\n`);
    expect((await listUntil((all) => !all.some((s) => s.name === name))).some((s) => s.name === name)).toBe(false);
    oneLineError(await driftloop(['schedule', 'trigger', name], env), new RegExp(`^driftloop: error: no schedule "${name}"`));
    oneLineError(await driftloop(['schedule', 'delete', name], env), new RegExp(`^driftloop: error: no schedule "${name}"`));
  });

  it('skips a trigger while the schedule\'s previous pass is still running (overlap policy SKIP)', async () => {
    // No worker polls this queue, so the first pass stays running for as long as the test needs.
    const idle = { ...env, DRIFTLOOP_TASK_QUEUE: `idle-${randomBytes(4).toString('hex')}` };
    const other = `${model}-b`;
    const otherProject = await writeExampleProject(await mkdtemp(join(tmpdir(), 'driftloop-schedule-')), { model: other, rows: 50 });
    const name = `${other}-overlap`;
    expect((await driftloop(['schedule', 'create', name, '--retrain', otherProject.steadyConfig, '--every', '1d'], idle)).code).toBe(0);
    const first = await driftloop(['schedule', 'trigger', name], idle);
    const m = /started (\S+) \(run (\S+)\)/.exec(first.stdout);
    expect(m, first.stdout).not.toBeNull();
    try {
      const second = await driftloop(['schedule', 'trigger', name], idle);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/no pass started yet \(skipped if the previous pass is still running/);
      const mine = (await list()).find((s) => s.name === name);
      expect(mine!.skippedOverlap).toBe(1);
      expect(mine!.recentRuns.map((r) => r.workflowId)).toEqual([m![1]]);
    } finally {
      await h.client.workflow.getHandle(m![1]!, m![2]!).terminate('test done');
      await driftloop(['schedule', 'delete', name], idle);
    }
  });

  it('a tick while a manual pass of the model runs starts no second pass: it records "already running"', async () => {
    const other = `${model}-c`;
    const otherProject = await writeExampleProject(await mkdtemp(join(tmpdir(), 'driftloop-schedule-')), { model: other, rows: 50 });
    // The manual pass waits on a queue no worker polls; the schedule's wrapper runs on the real worker.
    const manual = await startPass(h.client, await loadPipelineConfig(otherProject.steadyConfig), { taskQueue: `idle-${randomBytes(4).toString('hex')}` });
    const name = `${other}-tick`;
    try {
      expect((await driftloop(['schedule', 'create', name, '--retrain', otherProject.steadyConfig, '--every', '1d'], env)).code).toBe(0);
      const tick = await driftloop(['schedule', 'trigger', name], env);
      const m = /started (\S+) \(run (\S+)\)/.exec(tick.stdout);
      expect(m, tick.stdout).not.toBeNull();
      const ran = (await h.client.workflow.getHandle(m![1]!, m![2]!).result()) as ScheduledPassResult;
      expect(ran).toEqual({ status: 'already-running', workflowId: `retrain-${other}`, reason: `a pass of model "${other}" is already running (workflow retrain-${other})` });
      const running = await h.client.workflow.getHandle(`retrain-${other}`).describe();
      expect(running.runId).toBe(manual.firstExecutionRunId);
      expect(running.status.name).toBe('RUNNING');
    } finally {
      await manual.terminate('test done');
      await driftloop(['schedule', 'delete', name], env);
    }
  });

  it('creates a schedule from a cron expression and surfaces Temporal\'s refusal of a bad one as one line', async () => {
    const name = `${model}-nightly`;
    const ok = await driftloop(['schedule', 'create', name, '--retrain', project.steadyConfig, '--cron', '0 3 * * *', '--paused'], env);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/retrain .* cron 0 3 \* \* \*, paused/);
    const mine = (await listUntil((all) => all.some((s) => s.name === name))).find((s) => s.name === name);
    expect(mine).toMatchObject({ timing: 'cron 0 3 * * *', paused: true });
    expect(new Date(mine!.nextRuns[0]!).getUTCHours()).toBe(3);
    expect((await driftloop(['schedule', 'delete', name], env)).code).toBe(0);

    oneLineError(
      await driftloop(['schedule', 'create', `${model}-bad`, '--retrain', project.steadyConfig, '--cron', '99 * * * *'], env),
      /^driftloop: error: --cron: "99 \* \* \* \*" rejected by Temporal: /,
    );
  });

  it('refuses bad arguments with a one-line error naming the flag, before contacting Temporal', async () => {
    const offline = { ...env, TEMPORAL_ADDRESS: '127.0.0.1:1' };
    const cfg = project.steadyConfig;
    oneLineError(await driftloop(['schedule', 'create', 'x', '--retrain', cfg, '--every', 'hourly'], offline), /^driftloop: error: --every: "hourly" is not a duration like 90s, 30m, 1h or 1d$/);
    oneLineError(await driftloop(['schedule', 'create', 'x', '--retrain', cfg, '--every', '0m'], offline), /--every: "0m" is not a duration/);
    oneLineError(await driftloop(['schedule', 'create', 'x', '--retrain', cfg, '--every', '1h', '--catchup-window', '1y'], offline), /--catchup-window: "1y"/);
    oneLineError(await driftloop(['schedule', 'create', 'x', '--retrain', cfg], offline), /give exactly one of --every DURATION or --cron EXPR/);
    oneLineError(await driftloop(['schedule', 'create', 'x', '--retrain', cfg, '--every', '1h', '--cron', '* * * * *'], offline), /give exactly one of/);
    oneLineError(await driftloop(['schedule', 'create', 'Bad/Name', '--retrain', cfg, '--every', '1h'], offline), /^driftloop: error: schedule name "Bad\/Name": must be 1-63 characters/);
    oneLineError(await driftloop(['schedule', 'pause', '../x'], offline), /schedule name "\.\.\/x"/);
    oneLineError(await driftloop(['schedule', 'create', 'x', '--retrain', join(project.dir, 'missing.yaml'), '--every', '1h'], offline), /cannot read pipeline config .*missing\.yaml/);
  });
});
