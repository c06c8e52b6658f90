import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startPass, waitForPass } from '../../client/pass.js';
import { temporalCli } from '../../config/paths.js';
import type { PipelineConfig, PipelineConfigInput } from '../../config/pipeline.js';
import { readCsv } from '../../dataset/csv.js';
import { SYNTHETIC_FEATURES } from '../../dataset/synthetic.js';
import { registryPredictionSink } from '../../serving/prediction-sinks.js';
import { createServingServer, type ServingServer } from '../../serving/server.js';
import type { PassSummary } from '../../workflows/summary.js';
import { exampleProject } from '../support/example.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * The canary and the watch window in real passes: the harness's worker and
 * trainer, a real serving server following the model's champion (and its
 * canary) in the harness registry, and a client loop that sends one-row
 * requests and posts feedback labels while the pass waits. Who answered a
 * request (X-Model-Version) decides its label, so each version's live
 * accuracy is chosen by the scenario: label = the served prediction makes a
 * version look perfect, the opposite class makes it wrong every time.
 */

const HISTORIES = new URL('../histories/', import.meta.url);
const SCENARIO_TIMEOUT = 240_000;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

/** As test/pipeline/replay.test.ts: the CLI's JSON is the format Worker.runReplayHistory reads back. */
async function saveHistory(workflowId: string, runId: string, name: string): Promise<void> {
  const json = execFileSync(temporalCli(), [
    'workflow', 'show', '--workflow-id', workflowId, '--run-id', runId, '--address', inject('temporalAddress'), '--output', 'json',
  ]);
  await writeFile(new URL(`${name}.json`, HISTORIES), json);
}

/**
 * Runs a pass to its end. `replay`: its history is replayed against the
 * current workflow code, and recorded as test/histories/<record>.json when
 * DRIFTLOOP_RECORD_HISTORIES names it.
 */
async function pass(p: PipelineConfig, replay?: { record?: string }): Promise<PassSummary> {
  const handle = await startPass(h.client, p, { taskQueue: h.taskQueue });
  const summary = await waitForPass(handle);
  if (replay) {
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, await handle.fetchHistory(), handle.workflowId);
    const record = replay.record;
    if (record && process.env.DRIFTLOOP_RECORD_HISTORIES === record) await saveHistory(handle.workflowId, handle.firstExecutionRunId, record);
  }
  return summary;
}

/** Serving on 127.0.0.1:0 following the champion (and canary) of `model`, logging predictions with latency to the registry. */
function serve(model: string): Promise<ServingServer> {
  return createServingServer({
    host: '127.0.0.1',
    port: 0,
    processMetrics: false,
    source: { registry: h.registry, model },
    pollMs: 25,
    maxWaitMs: 1,
    sink: registryPredictionSink(h.registry),
  });
}

type Row = Record<string, number | string | null>;

/** The example project's drifted window (features only), as a client would send it. */
async function driftedRows(dir: string): Promise<Row[]> {
  const raw = await readCsv(join(dir, 'current-drifted.csv'));
  return raw.rows.map((cells) => {
    const row: Row = {};
    for (const f of SYNTHETIC_FEATURES) {
      const cell = cells[raw.header.indexOf(f.name)]!.trim();
      row[f.name] = cell === '' ? null : f.kind === 'numeric' ? Number(cell) : cell;
    }
    return row;
  });
}

type Prediction = string | number;
/** The label to post for a prediction served by `version` (X-Model-Version); null: no feedback. */
type LabelRule = (version: string, predicted: Prediction) => Prediction | null;

const truthful: LabelRule = (_v, predicted) => predicted;
/** The other class of the binary churn model (classes 0/1). */
const opposite = (predicted: Prediction): Prediction => (String(predicted) === '1' ? 0 : 1);

/**
 * Background traffic: `lanes` loops, each sending a one-row request with its
 * own X-Request-Id, then the label the rule gives for whoever answered.
 */
class Traffic {
  readonly served: { id: string; version: string }[] = [];
  readonly errors: string[] = [];
  private stopped = false;
  private readonly running: Promise<void>[];

  constructor(
    private readonly url: string,
    private readonly rows: Row[],
    private readonly label: LabelRule,
    private readonly tag: string,
    lanes = 2,
  ) {
    this.running = Array.from({ length: lanes }, (_, k) => this.lane(k));
  }

  count(version: string): number {
    return this.served.filter((s) => s.version === version).length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.running);
  }

  private async lane(k: number): Promise<void> {
    for (let i = 0; !this.stopped; i++) {
      const id = `${this.tag}-${k}-${i}`;
      const row = this.rows[(k * 101 + i) % this.rows.length];
      try {
        const res = await fetch(`${this.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: JSON.stringify([row]) });
        const body = (await res.json()) as { predict?: Prediction[] };
        const version = res.headers.get('x-model-version');
        if (res.status !== 200 || !version || !body.predict) {
          this.errors.push(`predict ${id}: ${res.status} ${JSON.stringify(body)}`);
        } else {
          const label = this.label(version, body.predict[0]!);
          if (label !== null) {
            const fb = await fetch(`${this.url}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ requestId: id, label }) });
            if (fb.status !== 200) this.errors.push(`feedback ${id}: ${fb.status} ${await fb.text()}`);
          }
          this.served.push({ id, version });
        }
      } catch (err) {
        this.errors.push(`${id}: ${(err as Error).message}`);
      }
      // Leave the shared cores to the worker and the trainer.
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** A canary config whose latency and confidence rules noise on a shared machine cannot fail: only traffic and the live metric decide. */
const canary = (over: Partial<NonNullable<NonNullable<PipelineConfigInput['promotion']>['canary']>> = {}) => ({
  share: 0.3,
  windowMinutes: 0.2,
  minRequests: 10,
  minLabelledRows: 5,
  maxMetricDrop: 0.05,
  maxLatencyRatio: 100,
  maxConfidenceDrop: 1,
  ...over,
});

/** Sends `n` requests (no feedback) and returns the versions that answered. */
async function versionsServed(server: ServingServer, rows: Row[], n: number, tag: string): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': `${tag}-${i}` }, body: JSON.stringify([rows[i % rows.length]]) });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    seen.add(res.headers.get('x-model-version')!);
  }
  return seen;
}

describe('canary and watch window in a real pass, with live traffic and feedback', () => {
  it('a canary whose live figures match the champion\'s is promoted: both arms served their share, the champion moved, the canary ended', { timeout: SCENARIO_TIMEOUT }, async () => {
    const { model, steady, drifted, dir } = await exampleProject({
      promotion: { canary: canary() },
      sandbox: { requests: 20, latencyBudgetMs: 5000 },
    });
    await pass(steady);
    const rows = await driftedRows(dir);
    const server = await serve(model);
    const traffic = new Traffic(server.url, rows, truthful, 'pass');
    let s: PassSummary;
    try {
      s = await pass(drifted, { record: 'retrain-pipeline-canary' });
    } finally {
      await traffic.stop();
    }
    try {
      expect(traffic.errors).toEqual([]);
      expect(s.decision).toBe('promoted');
      expect(s.sandbox?.passed).toBe(true);
      const c = s.canary!.comparison!;
      expect(c.verdict).toBe('pass');
      expect(c.baseline).toMatchObject({ version: 1, metricValue: 1 });
      expect(c.subject).toMatchObject({ version: 2, metricValue: 1 });
      for (const arm of [c.baseline, c.subject]) {
        expect(arm.requests).toBeGreaterThanOrEqual(10);
        expect(arm.labelledRows).toBeGreaterThanOrEqual(5);
        expect(arm.p95LatencyMs).toBeGreaterThan(0);
      }
      // The share is respected (routing is by request-id hash; the first poll after the start is served by the champion alone).
      const share = c.subject.requests / (c.subject.requests + c.baseline.requests);
      expect(share).toBeGreaterThan(0.15);
      expect(share).toBeLessThan(0.45);
      expect(c.reasons.join(' ')).toMatch(/accuracy v2 1\.000 vs v1 1\.000 .*within 0\.05/);
      expect(traffic.count('2')).toBeGreaterThan(0);
      expect(s.stages.promote).toMatchObject({ status: 'done', result: { version: 2, promoted: true } });
      expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(2);
      // Promoting the version in canary ended its canary.
      expect(await h.registry.getCanary(model)).toBeNull();
      const [ran] = await h.registry.canaryHistory(model);
      expect(ran).toMatchObject({ version: 2, share: 0.3, champion: 1, runId: s.runId });
      expect(ran!.endedAt).not.toBeNull();
      await expect.poll(() => server.follower.current.identity.version, { timeout: 10_000 }).toBe('2');
      expect(await versionsServed(server, rows, 20, 'after')).toEqual(new Set(['2']));
      console.log(`[canary pass] v1 ${c.baseline.requests} requests / ${c.baseline.labelledRows} labelled, v2 ${c.subject.requests} / ${c.subject.labelledRows}; share ${share.toFixed(3)}; ${c.reasons.join(' | ')}`);
    } finally {
      await server.close();
    }
  });

  it('a canary that is wrong live is withdrawn: canary-failed, the champion untouched, all traffic back on it', { timeout: SCENARIO_TIMEOUT }, async () => {
    const { model, steady, drifted, dir } = await exampleProject({ promotion: { canary: canary() }, sandbox: { enabled: false } });
    await pass(steady);
    const rows = await driftedRows(dir);
    const server = await serve(model);
    const traffic = new Traffic(server.url, rows, (version, predicted) => (version === '2' ? opposite(predicted) : predicted), 'fail');
    let s: PassSummary;
    try {
      s = await pass(drifted, {});
    } finally {
      await traffic.stop();
    }
    try {
      expect(traffic.errors).toEqual([]);
      expect(s.decision).toBe('canary-failed');
      const c = s.canary!.comparison!;
      expect(c.verdict).toBe('fail');
      expect(c.baseline).toMatchObject({ version: 1, metricValue: 1 });
      expect(c.subject).toMatchObject({ version: 2, metricValue: 0 });
      expect(c.subject.labelledRows).toBeGreaterThanOrEqual(5);
      expect(c.reasons.join(' ')).toMatch(/accuracy v2 0\.000 vs v1 1\.000 .*worse by more than 0\.05 \(canary\.maxMetricDrop\)/);
      // Only the metric failed it: latency and confidence were within their (loose) limits.
      expect(c.reasons.filter((r) => /latency|probability/.test(r)).every((r) => /within/.test(r))).toBe(true);
      expect(s.stages.promote).toMatchObject({ status: 'done', result: { version: 2, promoted: false } });
      expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);
      expect(await h.registry.getCanary(model)).toBeNull();
      const [ran] = await h.registry.canaryHistory(model);
      expect(ran).toMatchObject({ version: 2, endRunId: s.runId });
      expect(ran!.endReason).toMatch(/^canary fail: .*accuracy/);
      expect((await h.registry.aliasHistory(model, 'champion')).map((m) => m.toVersion)).toEqual([1]);
      // Serving drops the withdrawn canary: every request is the champion's again.
      await expect.poll(() => server.canary?.current ?? null, { timeout: 10_000 }).toBeNull();
      expect(await versionsServed(server, rows, 40, 'after')).toEqual(new Set(['1']));
      console.log(`[canary fail] v1 ${c.baseline.requests} requests / ${c.baseline.labelledRows} labelled, v2 ${c.subject.requests} / ${c.subject.labelledRows}; ${c.reasons.join(' | ')}`);
    } finally {
      await server.close();
    }
  });

  it('a canary nobody sends traffic to is insufficient, and withdrawn', { timeout: SCENARIO_TIMEOUT }, async () => {
    const { model, steady, drifted } = await exampleProject({ promotion: { canary: canary({ windowMinutes: 0.15 }) }, sandbox: { enabled: false } });
    await pass(steady);
    const s = await pass(drifted, {});
    expect(s.decision).toBe('canary-failed');
    const c = s.canary!.comparison!;
    expect(c.verdict).toBe('insufficient');
    expect(c.subject.requests).toBe(0);
    expect(c.baseline.requests).toBe(0);
    expect(c.reasons).toContain('v2 served 0 requests, fewer than canary.minRequests (10)');
    expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);
    expect(await h.registry.getCanary(model)).toBeNull();
    expect((await h.registry.canaryHistory(model))[0]!.endReason).toMatch(/^canary insufficient: /);
  });

  it('a new champion that does worse live than the one it replaced is rolled back at the end of the watch window, audited', { timeout: SCENARIO_TIMEOUT }, async () => {
    const { model, steady, drifted, dir } = await exampleProject({
      promotion: { watch: { windowMinutes: 0.2, minLabelledRows: 5, maxMetricDrop: 0.05 } },
      sandbox: { enabled: false },
    });
    await pass(steady);
    const rows = await driftedRows(dir);
    const server = await serve(model);
    // v1 answers right before and during the pass; v2, once promoted, answers wrong.
    const traffic = new Traffic(server.url, rows, (version, predicted) => (version === '1' ? predicted : opposite(predicted)), 'watch');
    let s: PassSummary;
    try {
      await expect.poll(() => traffic.count('1'), { timeout: 30_000 }).toBeGreaterThanOrEqual(20);
      s = await pass(drifted, { record: 'retrain-pipeline-watch' });
    } finally {
      await traffic.stop();
    }
    try {
      expect(traffic.errors).toEqual([]);
      expect(s.decision).toBe('rolled-back');
      expect(s.stages.promote).toMatchObject({ status: 'done', result: { version: 2, promoted: true } });
      const w = s.watch!;
      expect(w.rolledBack).toBe(true);
      expect(w.comparison.verdict).toBe('fail');
      expect(w.comparison.baseline).toMatchObject({ version: 1, metricValue: 1, until: w.since });
      expect(w.comparison.subject).toMatchObject({ version: 2, metricValue: 0, since: w.since });
      expect(w.comparison.subject.labelledRows).toBeGreaterThanOrEqual(5);
      // The baseline window has the subject's length and ends at the promotion.
      const len = (a: { since: string; until: string }) => Date.parse(a.until) - Date.parse(a.since);
      expect(len(w.comparison.baseline)).toBe(len(w.comparison.subject));
      expect((await h.registry.resolveAlias(model, 'champion'))?.version).toBe(1);
      const moves = await h.registry.aliasHistory(model, 'champion');
      expect(moves.map((m) => [m.fromVersion, m.toVersion])).toEqual([[null, 1], [1, 2], [2, 1]]);
      expect(moves[1]).toMatchObject({ actor: 'retrainPipeline', runId: s.runId });
      expect(moves[1]!.reason).toMatch(/^drift.*accuracy .* vs champion /);
      expect(moves[2]).toMatchObject({ actor: 'retrainPipeline', runId: s.runId });
      expect(moves[2]!.reason).toMatch(/^watch window: v2 did worse live than v1: accuracy v2 0\.000 vs v1 1\.000 .*worse by more than 0\.05 \(watch\.maxMetricDrop\)/);
      // Serving follows the rollback.
      await expect.poll(() => server.follower.current.identity.version, { timeout: 10_000 }).toBe('1');
      expect(await versionsServed(server, rows, 20, 'after')).toEqual(new Set(['1']));
      console.log(`[watch] v1 before ${w.comparison.baseline.requests} requests / ${w.comparison.baseline.labelledRows} labelled, v2 after ${w.comparison.subject.requests} / ${w.comparison.subject.labelledRows}; ${w.comparison.reasons.join(' | ')}`);
    } finally {
      await server.close();
    }
  });
});
