import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipelineConfig } from '../../config/load.js';
import { SANDBOX_DEFAULTS } from '../../config/sandbox.js';
import { ConfigError } from '../../errors/index.js';

const BASE = `
model: churn
task: binary
target: churned
features:
  - { name: tenure, kind: numeric }
data: { reference: ref.csv, current: cur.csv }
`;

async function load(extra: string) {
  const dir = await mkdtemp(join(tmpdir(), 'driftloop-sandbox-config-'));
  const file = join(dir, 'pipeline.yaml');
  await writeFile(file, BASE + extra);
  return loadPipelineConfig(file);
}

describe('sandbox config', () => {
  it('defaults: enabled, 200 requests, 4 at once, p95 budget 100 ms, tolerance 1e-5, 60 s to start', async () => {
    const cfg = await load('');
    expect(cfg.sandbox).toEqual({ enabled: true, requests: 200, concurrency: 4, latencyBudgetMs: 100, tolerance: 1e-5, startTimeoutSeconds: 60 });
    expect(SANDBOX_DEFAULTS).toEqual(cfg.sandbox);
  });

  it('takes a partial section and fills the rest', async () => {
    const cfg = await load('sandbox: { enabled: false, latencyBudgetMs: 25 }\n');
    expect(cfg.sandbox).toMatchObject({ enabled: false, latencyBudgetMs: 25, requests: 200, tolerance: 1e-5 });
  });

  it.each([
    ['sandbox: { requests: 0 }', 'sandbox.requests'],
    ['sandbox: { requests: 2.5 }', 'sandbox.requests'],
    ['sandbox: { concurrency: 0 }', 'sandbox.concurrency'],
    ['sandbox: { latencyBudgetMs: 0 }', 'sandbox.latencyBudgetMs'],
    ['sandbox: { latencyBudgetMs: fast }', 'sandbox.latencyBudgetMs'],
    ['sandbox: { tolerance: -1 }', 'sandbox.tolerance'],
    ['sandbox: { startTimeoutSeconds: 0 }', 'sandbox.startTimeoutSeconds'],
    ['sandbox: { enabled: sometimes }', 'sandbox.enabled'],
    ['sandbox: { port: 8080 }', 'sandbox'],
  ])('rejects %j naming %s', async (line, field) => {
    const err = await load(line + '\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(field);
  });

  it('names the unknown key', async () => {
    const err = await load('sandbox: { port: 8080 }\n').catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/sandbox.*port/);
  });
});
