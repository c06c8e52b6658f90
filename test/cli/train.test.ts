import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { driftloop } from '../support/cli.js';
import { describe, expect, it } from 'vitest';
import { writeExampleProject } from '../../demo/example.js';



describe('driftloop train (no server needed)', () => {
  it('turns a tidy CSV into an ONNX model with one command, printing what it inferred and the validation metrics', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-train-'));
    await writeExampleProject(dir);
    const out = join(dir, 'model');
    const { code, stdout } = await driftloop(['train', '--data', join(dir, 'reference.csv'), '--target', 'churned', '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/task\s+binary/);
    expect(stdout).toMatch(/categorical\s+plan/);
    expect(stdout).toMatch(/numeric\s+tenure_months/);
    expect(stdout).toMatch(/accuracy\s+0\.\d{4}/);
    expect(stdout).toContain(`model:    ${join(out, 'model.onnx')}`);
    expect((await readdir(out)).sort()).toEqual(['metadata.json', 'model.onnx', 'prototype.json']);
  });

  it('--json prints one object with the inference, the request and the metrics; options reach the trainer', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-train-'));
    await writeExampleProject(dir);
    const out = join(dir, 'forest');
    const { code, stdout } = await driftloop([
      'train', '--data', join(dir, 'reference.csv'), '--target', 'churned', '--out', out,
      '--estimator', 'random_forest', '--param', 'n_estimators=12', '--param', 'criterion=entropy',
      '--drop', 'support_calls', '--seed', '9', '--json',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.inference.features.map((f: { name: string }) => f.name)).toEqual(['tenure_months', 'monthly_charges', 'plan']);
    expect(result.request.estimator).toEqual({ name: 'random_forest', params: { n_estimators: 12, criterion: 'entropy' } });
    expect(result.request.seed).toBe(9);
    expect(result.metrics.accuracy).toBeGreaterThan(0.6);
    expect((await stat(result.model)).size).toBeGreaterThan(1000);
  });

  it('fails with a one-line error naming the column when the target is not in the file, and writes nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-train-'));
    await writeExampleProject(dir);
    const out = join(dir, 'nope');
    const { code, stdout, stderr } = await driftloop(['train', '--data', join(dir, 'reference.csv'), '--target', 'churn', '--out', out]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^driftloop: error: .*"churn"/);
    await expect(stat(out)).rejects.toThrow();
  });

  it('refuses bad options before doing any work', async () => {
    const r = await driftloop(['train', '--data', 'x.csv', '--target', 'y', '--out', '/tmp/x', '--task', 'ranking']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--task must be one of binary, multiclass, regression/);
  });
});
