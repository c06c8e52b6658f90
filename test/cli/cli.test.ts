import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { writeExampleProject } from '../../demo/example.js';
import { driftloop } from '../support/cli.js';
import { startHarness, type Harness } from '../support/harness.js';



let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

describe('driftloop CLI', () => {
  it('lists its commands in --help', async () => {
    const { code, stdout } = await driftloop(['--help']);
    expect(code).toBe(0);
    for (const cmd of ['demo', 'dev', 'worker', 'run']) expect(stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
  });

  it('run --json starts a pass, waits for it and prints its summary as one JSON object', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-cli-'));
    const model = `cli-${Date.now()}`;
    const project = await writeExampleProject(dir, { model });
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DRIFTLOOP_TASK_QUEUE: h.taskQueue };
    const { code, stdout, stderr } = await driftloop(['run', project.steadyConfig, '--wait', '--json'], env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ model, decision: 'bootstrapped' });
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);

    const human = await driftloop(['run', project.driftedConfig, '--wait'], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/drift\s+DRIFT: .*must-watch drifted: monthly_charges/);
    expect(human.stdout).toMatch(/decision\s+promoted/);
    // --wait shows the stages as they start (on stderr; stdout stays the summary). Quick stages may
    // start and end between two polls, but the trainer's takes seconds.
    const shown = [...human.stderr.matchAll(/^  ▸ (\w+)/gm)].map((m) => m[1]!);
    expect(shown).toContain('retrain');
    expect(shown).toEqual(['monitor', 'drift', 'retrain', 'evaluate', 'sandbox', 'promote', 'report'].filter((st) => shown.includes(st)));
    expect(human.stderr).toMatch(new RegExp(`^started retrain-${model} \\(run \\S+\\)$`, 'm'));
  });

  it('run NAME finds the config by model name in --config-dir, returns at once without --wait, and status follows the pass', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-cli-'));
    const model = `cli-name-${Date.now()}`;
    const project = await writeExampleProject(dir, { model });
    // One config per model in the folder (data paths are relative to it).
    await rm(project.driftedConfig);
    const configs = project.dir;
    const env = { TEMPORAL_ADDRESS: inject('temporalAddress'), DRIFTLOOP_TASK_QUEUE: h.taskQueue };
    const started = await driftloop(['run', model, '--config-dir', configs, '--json'], env);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    const ids = JSON.parse(started.stdout) as { workflowId: string; runId: string };
    expect(ids.workflowId).toBe(`retrain-${model}`);
    await h.client.workflow.getHandle(ids.workflowId, ids.runId).result();
    const status = await driftloop(['status', model, '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ workflowId: `retrain-${model}`, runId: ids.runId, status: 'completed', summary: { model, decision: 'bootstrapped' } });

    const unknown = await driftloop(['run', 'no-such-model', '--config-dir', configs], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe(`driftloop: error: no pipeline config for model "no-such-model" in ${configs} (models: ${model}); give a config file or --config-dir`);
    const noPass = await driftloop(['status', 'no-such-model'], env);
    expect(noPass.code).toBe(1);
    expect(noPass.stderr.trim()).toMatch(/^driftloop: error: no pass "no-such-model": give a model name or a pass's workflow id/);
  });

  it('exits non-zero with a one-line error naming the bad field of a config', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-cli-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'model: churn\ntask: binary\ntarget: y\nfeatures: []\ndata: { reference: a.csv, current: b.csv }\n');
    const { code, stdout, stderr } = await driftloop(['run', file]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^driftloop: error: .*bad\.yaml is not a valid pipeline config: features: /);
  });

  it('exits non-zero with a one-line error when Temporal cannot be reached', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-cli-'));
    const project = await writeExampleProject(dir, { model: 'unreachable' });
    const { code, stderr } = await driftloop(['run', project.steadyConfig], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/cannot reach Temporal at 127\.0\.0\.1:1/);
  });
});
