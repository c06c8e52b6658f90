import { mkdtemp, writeFile } from 'node:fs/promises';
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
    const { code, stdout, stderr } = await driftloop(['run', project.steadyConfig, '--json'], env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ model, decision: 'bootstrapped' });
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);

    const human = await driftloop(['run', project.driftedConfig], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/drift\s+DRIFT: .*must-watch drifted: monthly_charges/);
    expect(human.stdout).toMatch(/decision\s+promoted/);
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
