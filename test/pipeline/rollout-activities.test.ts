import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { PipelineConfig } from '../../config/pipeline.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import type { PredictionRecord } from '../../registry/types.js';
import { bytes, card, data } from '../registry/registry-suite.js';

let home: string;
let registry: SqlRegistry;
let acts: ReturnType<typeof createActivities>;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'driftloop-rollout-'));
  registry = await openSqliteRegistry(home);
  for (let i = 1; i <= 3; i++) await registry.registerVersion({ model: 'm', onnx: bytes(`v${i}`), card: card(), trainingData: data });
  acts = createActivities({ registry, home });
});
afterEach(async () => {
  await registry.close();
  await rm(home, { recursive: true, force: true });
});

const failureOf = async (p: Promise<unknown>): Promise<ApplicationFailure> => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
};

describe('rollout activities', () => {
  it('startCanary and endCanary are idempotent: a retried start or end changes nothing and says so', async () => {
    await registry.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
    const first = await acts.startCanary({ model: 'm', version: 2, share: 0.1, runId: 'run-1' });
    expect(first).toMatchObject({ started: true, version: 2, share: 0.1, champion: 1 });
    const retry = await acts.startCanary({ model: 'm', version: 2, share: 0.1, runId: 'run-1' });
    expect(retry).toEqual({ ...first, started: false });
    expect((await registry.aliasHistory('m', 'canary')).map((m) => [m.toVersion, m.actor, m.runId, m.reason])).toEqual([
      [2, 'retrainPipeline', 'run-1', 'canary of version 2 at 10% of the traffic'],
    ]);
    expect(await acts.endCanary({ model: 'm', runId: 'run-1', reason: 'canary failed: latency' })).toEqual({ ended: true, version: 2 });
    expect(await acts.endCanary({ model: 'm', runId: 'run-1', reason: 'canary failed: latency' })).toEqual({ ended: false, version: null });
    expect(await registry.getCanary('m')).toBeNull();
    expect((await registry.canaryHistory('m'))[0]).toMatchObject({ endedBy: 'retrainPipeline', endRunId: 'run-1', endReason: 'canary failed: latency' });
  });

  it('startCanary of another version while one runs fails without retrying (AliasConflictError)', async () => {
    await registry.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
    await acts.startCanary({ model: 'm', version: 2, share: 0.1, runId: 'run-1' });
    const f = await failureOf(acts.startCanary({ model: 'm', version: 3, share: 0.1, runId: 'run-2' }));
    expect(f.type).toBe('AliasConflictError');
    expect(f.nonRetryable).toBe(true);
    expect(f.message).toMatch(/already has a canary of version 2/);
  });

  it('rollbackChampion swaps back to previous by compare-and-swap; a retry reports the same rollback and moves nothing', async () => {
    await registry.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
    await registry.promote({ model: 'm', to: 2, expectedChampion: 1, actor: 'test', reason: 'second' });
    const input = { model: 'm', expectedChampion: 2, runId: 'run-7', reason: 'watch window: accuracy dropped' };
    expect(await acts.rollbackChampion(input)).toEqual({ rolledBack: true, champion: 1 });
    const moves = (await registry.aliasHistory('m')).length;
    expect(await acts.rollbackChampion(input)).toEqual({ rolledBack: true, champion: 1 });
    expect(await registry.aliasHistory('m')).toHaveLength(moves);
    const last = (await registry.aliasHistory('m', 'champion')).at(-1)!;
    expect(last).toMatchObject({ fromVersion: 2, toVersion: 1, actor: 'retrainPipeline', runId: 'run-7', reason: 'watch window: accuracy dropped' });
    expect((await registry.resolveAlias('m', 'previous'))?.version).toBe(2);
  });

  it('rollbackChampion leaves a champion someone else moved alone, and fails clearly without a previous version', async () => {
    const f = await failureOf(acts.rollbackChampion({ model: 'm', expectedChampion: 1, runId: 'r', reason: 'x' }));
    expect(f.type).toBe('NotFoundError');
    expect(f.nonRetryable).toBe(true);
    await registry.promote({ model: 'm', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
    await registry.promote({ model: 'm', to: 2, expectedChampion: 1, actor: 'test', reason: 'second' });
    await registry.promote({ model: 'm', to: 3, expectedChampion: 2, actor: 'someone', reason: 'manual' });
    expect(await acts.rollbackChampion({ model: 'm', expectedChampion: 2, runId: 'run-8', reason: 'late' })).toEqual({ rolledBack: false, champion: 3 });
    expect((await registry.resolveAlias('m', 'champion'))?.version).toBe(3);
  });

  it('compareLive judges by the pipeline\'s promotion rules and primary metric', async () => {
    const pipeline = PipelineConfig.parse({
      model: 'm',
      task: 'binary',
      target: 'b',
      features: [{ name: 'a', kind: 'numeric' }],
      data: { reference: 'ref.csv', current: 'cur.csv' },
      promotion: { canary: { minRequests: 10, minLabelledRows: 5, maxLatencyRatio: 2 } },
    });
    const t0 = Date.parse('2025-04-01T00:00:00.000Z');
    const rows: PredictionRecord[] = [];
    for (const version of [1, 2]) {
      for (let i = 0; i < 20; i++) {
        rows.push({
          requestId: `v${version}-${i}`,
          model: 'm',
          version,
          at: new Date(t0 + i * 1000).toISOString(),
          features: { a: 1 },
          prediction: 1,
          probabilities: { '0': 0.1, '1': 0.9 },
          latencyMs: version === 1 ? 10 : 25, // 2.5× the champion's
        });
      }
    }
    await registry.logPredictions(rows);
    const input = { pipeline, kind: 'canary' as const, baseline: 1, subject: 2, since: new Date(t0).toISOString(), until: new Date(t0 + 60_000).toISOString() };
    const res = await acts.compareLive(input);
    expect(res.verdict).toBe('fail');
    expect(res.reasons[0]).toMatch(/more than 2× \(canary\.maxLatencyRatio\)/);
    expect(res.subject).toMatchObject({ version: 2, requests: 20, metric: 'accuracy', labelledRows: 0 });
    // The default rules (minRequests 100) would call 20 requests too few.
    const defaults = PipelineConfig.parse({ ...pipeline, promotion: { canary: {} } });
    expect((await acts.compareLive({ ...input, pipeline: defaults })).verdict).toBe('insufficient');
    const bad = await failureOf(acts.compareLive({ ...input, since: 'soon' }));
    expect(bad.type).toBe('DataError');
  });
});
