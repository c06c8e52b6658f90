import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import { canaryBucket, routesToCanary } from '../../serving/canary-routing.js';
import { registryPredictionSink } from '../../serving/prediction-sinks.js';
import type { ServingServer } from '../../serving/server.js';
import { getJson, metricValue, postJson, referencePredictions, referenceRecords, startServer, train, trainFixtures, type Fixtures, type TrainedModel } from './support.js';

let fx: Fixtures;
let v2: TrainedModel;
let registry: SqlRegistry;
let records: Record<string, number | string | null>[];
/** What each version predicts for `records` (the pipeline's own scorer). */
const expected: Record<string, string[]> = {};

beforeAll(async () => {
  fx = await trainFixtures({ regressor: false });
  v2 = await train(fx.root, 'forest', { target: 'churned', name: 'churn', estimator: 'random_forest', params: { n_estimators: 15, max_depth: 4 } });
  registry = await openSqliteRegistry(join(fx.root, 'home'));
  const trainingData = await readFile(fx.data);
  for (const m of [fx.classifier, v2]) await registry.registerVersion({ model: 'churn', onnx: await readFile(m.onnx), card: m.card, trainingData });
  await registry.promote({ model: 'churn', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
  records = await referenceRecords(fx.data, fx.classifier.card, 40);
  for (const [v, m] of [['1', fx.classifier], ['2', v2]] as const) {
    const ref = await referencePredictions(m, records);
    expected[v] = ref.kind === 'labels' ? ref.labels : [];
  }
  expect(expected['1']).not.toEqual(expected['2']); // the versions are told apart by their answers too
});
afterAll(async () => {
  await registry?.close();
  await fx?.cleanup();
});

/** Sends `n` one-row requests (ids `${prefix}-i`), 20 at a time; returns the version that answered each, checking its answer is that version's. */
async function send(server: ServingServer, n: number, prefix: string): Promise<{ id: string; version: string }[]> {
  const out: { id: string; version: string }[] = [];
  for (let start = 0; start < n; start += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, n - start) }, async (_, j) => {
        const i = start + j;
        const id = `${prefix}-${i}`;
        const res = await postJson(`${server.url}/predict`, [records[i % records.length]], { 'x-request-id': id });
        expect(res.status).toBe(200);
        const version = res.headers.get('x-model-version')!;
        expect(res.json.model_version).toBe(version);
        expect(res.json.predict.map(String)).toEqual([expected[version]![i % records.length]]);
        return { id, version };
      }),
    );
    out.push(...batch);
  }
  return out;
}

describe('canary routing', () => {
  it('request ids map to a canary deterministically and uniformly', () => {
    expect(canaryBucket('abc')).toBe(canaryBucket('abc'));
    const n = 20_000;
    const inCanary = Array.from({ length: n }, (_, i) => routesToCanary(`r-${i}`, 0.25)).filter(Boolean).length;
    // Binomial(20000, 0.25): sd ≈ 61; 5 sd either side.
    expect(Math.abs(inCanary - n * 0.25)).toBeLessThan(5 * Math.sqrt(n * 0.25 * 0.75));
  });

  it('a started canary gets its share of requests, each answered and logged (with latency) by the version it names; ending it routes all back and releases its session', async () => {
    const server = await startServer({ source: { registry, model: 'churn' }, pollMs: 25, maxWaitMs: 1, sink: registryPredictionSink(registry) });
    try {
      expect(server.canary?.current).toBeNull();
      const before = await send(server, 20, 'pre');
      expect(new Set(before.map((r) => r.version))).toEqual(new Set(['1']));

      await registry.startCanary({ model: 'churn', version: 2, share: 0.3, actor: 'test', runId: 'run-c', reason: 'try v2' });
      // The follower polls every 25 ms.
      await expect.poll(() => server.canary?.current?.model.identity.version, { timeout: 5000 }).toBe('2');
      expect(server.follower.current.identity.version).toBe('1'); // the champion is untouched

      const n = 400;
      const during = await send(server, n, 'during');
      const toCanary = during.filter((r) => r.version === '2');
      // Binomial(400, 0.3): sd ≈ 9.2; 5 sd either side.
      expect(Math.abs(toCanary.length - n * 0.3)).toBeLessThan(5 * Math.sqrt(n * 0.3 * 0.7));
      // Deterministic per request id: exactly the ids whose hash falls in the share.
      for (const r of during) expect(r.version).toBe(routesToCanary(r.id, 0.3) ? '2' : '1');
      // Retrying with the same request id reaches the same version.
      const again = await postJson(`${server.url}/predict`, [records[0]], { 'x-request-id': toCanary[0]!.id });
      expect(again.headers.get('x-model-version')).toBe('2');
      // Prometheus: the canary's share, and requests per arm.
      const text = (await getJson(`${server.url}/metrics`)).json as string;
      expect(metricValue(text, 'driftloop_serving_canary_share', { model: 'churn', version: '2' })).toBe(0.3);
      expect(metricValue(text, 'driftloop_serving_routed_requests_total', { arm: 'canary' })).toBe(toCanary.length + 1);
      expect(metricValue(text, 'driftloop_serving_routed_requests_total', { arm: 'champion' })).toBe(before.length + n - toCanary.length);

      // The prediction log records the version that answered, and how long it took.
      const canaryModel = server.canary!.current!.model;
      await registry.endCanary({ model: 'churn', actor: 'test', runId: 'run-c', reason: 'done' });
      await expect.poll(() => server.canary?.current ?? null, { timeout: 5000 }).toBeNull();
      await expect.poll(() => canaryModel.isReleased, { timeout: 5000 }).toBe(true);
      const after = await send(server, 60, 'post');
      expect(new Set(after.map((r) => r.version))).toEqual(new Set(['1']));
      expect(metricValue((await getJson(`${server.url}/metrics`)).json as string, 'driftloop_serving_canary_share')).toBeNaN();

      await server.close();
      const logged = new Map((await registry.readPredictions('churn')).map((p) => [p.requestId, p]));
      for (const r of [...before, ...during, ...after]) {
        const p = logged.get(r.id);
        expect(p?.version).toBe(Number(r.version));
        expect(p!.latencyMs).toBeGreaterThan(0);
        expect(p!.latencyMs).toBeLessThan(10_000);
      }
    } finally {
      await server.close();
    }
  });

  it('a canary already running when serving starts is routed to from the first request; V2 requests naming its version reach it', async () => {
    await registry.startCanary({ model: 'churn', version: 2, share: 0.5, actor: 'test', reason: 'half' });
    const server = await startServer({ source: { registry, model: 'churn' }, pollMs: 0, maxWaitMs: 1 });
    try {
      expect(server.canary?.current).toMatchObject({ share: 0.5 });
      const versions = (await send(server, 40, 'start')).map((r) => r.version);
      expect(versions).toContain('2');
      expect(versions).toContain('1');
      const input = { inputs: fx.classifier.card.features.map((f) => ({ name: f.name, datatype: f.kind === 'numeric' ? 'FP32' : 'BYTES', shape: [1], data: [records[0]![f.name]] })) };
      for (const v of ['1', '2']) {
        const res = await postJson(`${server.url}/v2/models/churn/versions/${v}/infer`, input);
        expect(res.status).toBe(200);
        expect(res.headers.get('x-model-version')).toBe(v);
        expect(res.json.model_version).toBe(v);
      }
      expect((await postJson(`${server.url}/v2/models/churn/versions/7/infer`, input)).status).toBe(404);
    } finally {
      await server.close();
      await registry.endCanary({ model: 'churn', actor: 'test', reason: 'cleanup' });
    }
  });

  it('serving a non-champion alias follows no canary', async () => {
    await registry.moveAlias({ model: 'churn', alias: 'challenger', to: 2, expected: null, actor: 'test', reason: 'c' });
    const server = await startServer({ source: { registry, model: 'churn', alias: 'challenger' }, pollMs: 0 });
    try {
      expect(server.canary).toBeNull();
    } finally {
      await server.close();
    }
  });
});
