import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities, type RetrainResult, type SandboxResult } from '../../activities/index.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import type { SandboxConfig } from '../../config/sandbox.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { ModelCard } from '../../training/model-card.js';
import { exampleProject } from '../support/example.js';
import { isAlive } from '../support/processes.js';

let home: string;
let registry: SqlRegistry;
let activities: ReturnType<typeof createActivities>;
let trained: RetrainResult;
let pipeline: PipelineConfig;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'driftloop-sandbox-'));
  registry = await openSqliteRegistry(home);
  activities = createActivities({ registry, home });
  const project = await exampleProject({ sandbox: {} }); // the sandbox defaults, not the example project's
  pipeline = project.steady;
  // A real candidate: the retrain activity runs the real Python trainer.
  trained = await new MockActivityEnvironment().run(activities.retrain, { pipeline, source: 'reference' as const });
});
afterAll(async () => {
  await registry.close();
  await rm(home, { recursive: true, force: true });
});

/** A copy of the trained candidate, so each case can damage its own. */
async function candidateCopy(): Promise<string> {
  const dir = join(await mkdtemp(join(home, 'case-')), 'candidate');
  await cp(trained.candidateDir, dir, { recursive: true });
  return dir;
}

/** Pids of `driftloop serve` processes serving a model under `dir`. */
async function servePids(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (cmdline.includes('serve') && cmdline.some((a) => a.startsWith(dir))) pids.push(Number(entry));
  }
  return pids;
}

/**
 * Runs the activity in Temporal's activity environment while watching /proc
 * for the serving process it starts; returns the result and the pids seen.
 */
async function sandbox(candidateDir: string, overrides: Partial<SandboxConfig> = {}, env = new MockActivityEnvironment(), base = pipeline) {
  const seen = new Set<number>();
  let done = false;
  const watch = (async () => {
    while (!done) {
      for (const pid of await servePids(candidateDir)) seen.add(pid);
      await sleep(20);
    }
  })();
  try {
    const result: SandboxResult = await env.run(activities.validateInSandbox, {
      pipeline: { ...base, sandbox: { ...base.sandbox, ...overrides } },
      candidateDir,
    });
    return { result, pids: [...seen] };
  } finally {
    done = true;
    await watch;
  }
}

function expectGone(pids: number[]) {
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) expect(isAlive(pid), `serving process ${pid} still running`).toBe(false);
}

const check = (r: SandboxResult, name: string) => r.checks.find((c) => c.name === name);

describe('validateInSandbox', () => {
  it('passes a good candidate: served answers match in-process inference, with latency figures', async () => {
    const dir = await candidateCopy();
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    // A generous budget: the machine running the suite is shared; the budget case below shows the judging.
    const { result, pids } = await sandbox(dir, { latencyBudgetMs: 1000 }, env);
    expect(result.reasons).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.checks.map((c) => [c.name, c.passed])).toEqual([
      ['load', true],
      ['responses', true],
      ['answers', true],
      ['consistency', true],
      ['latency', true],
    ]);
    expect(result.requests).toBe(200);
    expect(result.budgetMs).toBe(1000);
    const l = result.latencyMs!;
    expect(l.p50).toBeGreaterThan(0);
    expect(l.p50).toBeLessThanOrEqual(l.p95);
    expect(l.p95).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.max);
    expect(check(result, 'answers')!.detail).toMatch(/^200 answers match in-process inference/);
    expect(check(result, 'responses')!.detail).toContain('200 of 200 requests answered 200');
    // Progress in the heartbeat details while the requests go out.
    expect(beats).toContainEqual({ stage: 'sandbox', sent: 100, of: 200 });
    expect(beats).toContainEqual({ stage: 'sandbox', sent: 200, of: 200 });
    expectGone(pids);
  });

  it('passes a regressor: served values match in-process inference', async () => {
    const project = await exampleProject({
      task: 'regression',
      target: 'monthly_charges',
      features: [
        { name: 'tenure_months', kind: 'numeric' },
        { name: 'support_calls', kind: 'numeric' },
        { name: 'plan', kind: 'categorical' },
      ],
      drift: { minRows: 30 },
      monitor: { metric: 'rmse' },
    });
    const regression: RetrainResult = await new MockActivityEnvironment().run(activities.retrain, { pipeline: project.steady, source: 'reference' as const });
    const { result, pids } = await sandbox(regression.candidateDir, { requests: 50, latencyBudgetMs: 1000 }, undefined, project.steady);
    expect(result.reasons).toEqual([]);
    expect(result.passed).toBe(true);
    expect(result.requests).toBe(50);
    expect(check(result, 'answers')!.detail).toMatch(/^50 answers match in-process inference \(values;/);
    expect(check(result, 'consistency')!.detail).toBe('every value is finite');
    expectGone(pids);
  });

  it('rejects a corrupted model.onnx with a load reason, and leaves no process behind', async () => {
    const dir = await candidateCopy();
    const bytes = await readFile(join(dir, 'model.onnx'));
    await writeFile(join(dir, 'model.onnx'), bytes.subarray(0, Math.floor(bytes.length / 3)));
    const { result, pids } = await sandbox(dir);
    expect(result.passed).toBe(false);
    expect(result.requests).toBe(0);
    expect(result.latencyMs).toBeNull();
    expect(result.checks).toHaveLength(1);
    expect(result.reasons).toHaveLength(1);
    expect(result.reasons[0]).toMatch(/^sandbox load: the candidate failed to load in the serving process: the serving process exited \(code 1\) before it was ready: .*ONNX/);
    expectGone(pids);
  });

  it('rejects a candidate whose p95 latency exceeds the budget, naming the budget', async () => {
    const dir = await candidateCopy();
    const { result, pids } = await sandbox(dir, { latencyBudgetMs: 0.001, requests: 40 });
    expect(result.passed).toBe(false);
    expect(result.requests).toBe(40);
    expect(result.reasons).toHaveLength(1);
    expect(result.reasons[0]).toMatch(/^sandbox latency: p95 latency [\d.]+ ms exceeds the budget of 0\.001 ms/);
    expect(result.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual(['latency']);
    expect(result.latencyMs!.p95).toBeGreaterThan(0.001);
    expectGone(pids);
  });

  it('rejects a candidate whose model card lists the classes in an order the graph does not use (wrong answers)', async () => {
    const dir = await candidateCopy();
    const card = ModelCard.parse(JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')));
    expect(card.classes!.length).toBe(2);
    await writeFile(join(dir, 'metadata.json'), JSON.stringify({ ...card, classes: [...card.classes!].reverse() }));
    const { result, pids } = await sandbox(dir, { latencyBudgetMs: 1000, requests: 60 });
    expect(result.passed).toBe(false);
    expect(check(result, 'load')!.passed).toBe(true);
    expect(check(result, 'consistency')!.passed).toBe(false);
    expect(result.reasons.join('\n')).toMatch(/sandbox consistency: \d+ of 60 answers are inconsistent; request \d+ \((vetiver|v2), (prototype|holdout) row\): label "[^"]+" has probability [\d.]+, but "[^"]+" has [\d.]+/);
    expectGone(pids);
  });

  it("rejects a candidate whose card describes another model's inputs (the serving process fails its warm-up)", async () => {
    const dir = await candidateCopy();
    const card = ModelCard.parse(JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')));
    // The card says "plan" is numeric; the graph takes strings: every request fails inside the server.
    const features = card.features.map((f) => (f.name === 'plan' ? { name: 'plan', kind: 'numeric' as const, range: { min: 0, max: 3 }, missing: 0 } : f));
    await writeFile(join(dir, 'metadata.json'), JSON.stringify({ ...card, features }));
    const { result, pids } = await sandbox(dir, { latencyBudgetMs: 1000, requests: 20 });
    expect(result.passed).toBe(false);
    // The serving process warms the model up with a prototype row at start: it refuses to become ready.
    expect(result.requests).toBe(0);
    expect(result.reasons).toEqual([expect.stringMatching(/^sandbox load: the candidate failed to load in the serving process: .*"plan"/)]);
    expectGone(pids);
  });

  it('stops the serving process when the activity is cancelled', async () => {
    const dir = await candidateCopy();
    const env = new MockActivityEnvironment();
    const running = sandbox(dir, { requests: 100_000, concurrency: 1, latencyBudgetMs: 1000 }, env);
    // Cancel once the serving process is up and answering canary requests.
    let pids: number[] = [];
    for (let i = 0; i < 400 && pids.length === 0; i++) {
      pids = await servePids(dir);
      await sleep(25);
    }
    expect(pids).toHaveLength(1);
    await sleep(2_000);
    env.cancel();
    await expect(running).rejects.toThrow();
    expect(isAlive(pids[0]!)).toBe(false);
  });
});
