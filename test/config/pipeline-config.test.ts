import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipelineConfig } from '../../config/load.js';
import { ConfigError } from '../../errors/index.js';

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'driftloop-config-'));
  const file = join(dir, 'pipeline.yaml');
  await writeFile(file, text);
  return file;
}

const VALID = `
model: churn
task: binary
target: churned
features:
  - { name: tenure, kind: numeric }
  - { name: plan, kind: categorical }
data:
  reference: data/ref.csv
  current: /abs/current.csv
`;

describe('pipeline config', () => {
  it('applies defaults and resolves data paths relative to the config file', async () => {
    const file = await configFile(VALID);
    const cfg = await loadPipelineConfig(file);
    expect(cfg.data.reference).toBe(join(file, '..', 'data/ref.csv'));
    expect(cfg.data.current).toBe('/abs/current.csv');
    // Drift defaults are Evidently's data-drift preset (config/drift.ts).
    expect(cfg.drift).toMatchObject({ share: 0.5, minRows: 30, features: {}, psi: { strategy: 'evidently', bins: 10 } });
    expect(cfg.drift.method).toBeUndefined();
    expect(cfg.evaluation).toEqual({ holdoutFraction: 0.3, margin: 0.01, minHoldoutRows: 100, floors: {}, maxRegression: {} });
    expect(cfg.trainer.seed).toBe(42);
  });

  it.each([
    ['model: "../etc"', 'model: must be', null],
    ['task: ranking', 'task: Invalid option', null],
    ['features:\n  - { name: tenure, kind: text }', 'features.0.kind', 'features:\n  - { name: tenure, kind: numeric }\n  - { name: plan, kind: categorical }'],
    ['drift: { pValue: 2 }', 'drift.pValue', null],
    ['drift: { share: 0 }', 'drift.share', null],
    ['drift: { method: cosine }', 'drift.method', null],
    ['drift: { features: { nosuch: { mustWatch: true } } }', 'drift.features.nosuch: "nosuch" is not a feature of this pipeline', null],
    ['drift: { features: { plan: { method: ks } } }', 'drift.features.plan.method: method "ks" needs a numeric feature', null],
    ['monitor: { window: { kind: postgres, query: "select 1", urlEnv: "postgres://u:p@h/db" } }', 'monitor.window.urlEnv', null],
    ['monitor: { degradation: { maxRelativeDrop: 1.5 } }', 'monitor.degradation.maxRelativeDrop', null],
    ['monitor: { metric: rmse }', 'monitor.metric: metric "rmse" does not apply to a binary task', null],
    ['trainer: { estimator: ridge }', 'trainer.estimator', null],
    ['features:\n  - { name: churned, kind: numeric }', 'features.0.name: feature "churned" is also the target', 'features:\n  - { name: tenure, kind: numeric }\n  - { name: plan, kind: categorical }'],
    ['surprise: 1', 'surprise', null],
  ])('rejects %j naming %s', async (line, expected, replaces) => {
    let text = VALID;
    if (replaces) text = text.replace(replaces, line);
    else {
      const key = line.split(':')[0]!;
      text = text.split('\n').filter((l) => !l.startsWith(`${key}:`)).join('\n') + `\n${line}\n`;
    }
    const err = await loadPipelineConfig(await configFile(text)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(expected);
  });

  it('reports YAML syntax errors with the line', async () => {
    const err = await loadPipelineConfig(await configFile('model: [unclosed\ntask: binary\n')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/not valid YAML/);
  });

  it('reports a missing file', async () => {
    await expect(loadPipelineConfig('/nonexistent/pipeline.yaml')).rejects.toThrow(/cannot read pipeline config/);
  });
});
