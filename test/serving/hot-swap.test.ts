import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import { DEFAULT_BATCHER_OPTIONS } from '../../serving/batcher.js';
import { LoadedModel } from '../../serving/loaded-model.js';
import { ModelFollower } from '../../serving/model-follower.js';
import type { ModelArtifact, ModelSource } from '../../serving/model-source.js';
import type { ServingServer } from '../../serving/server.js';
import {
  getJson,
  metricValue,
  postJson,
  referencePredictions,
  referenceRecords,
  startServer,
  train,
  trainFixtures,
  type Fixtures,
  type TrainedModel,
} from './support.js';

let fx: Fixtures;
let v2: TrainedModel;
let registry: SqlRegistry;

beforeAll(async () => {
  fx = await trainFixtures({ regressor: false });
  // A second, different model of the same name: a random forest.
  v2 = await train(fx.root, 'forest', { target: 'churned', name: 'churn', estimator: 'random_forest', params: { n_estimators: 15, max_depth: 4 } });
  registry = await openSqliteRegistry(join(fx.root, 'home'));
  const trainingData = await readFile(fx.data);
  for (const m of [fx.classifier, v2]) {
    await registry.registerVersion({ model: 'churn', onnx: await readFile(m.onnx), card: m.card, trainingData });
  }
  await registry.moveAlias({ model: 'churn', alias: 'champion', to: 1, expected: null, actor: 'test', reason: 'first' });
});
afterAll(async () => {
  await registry?.close();
  await fx?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('hot promotion', () => {
  it('moving the alias under load: zero failed requests, versions switch 1 → 2 monotonically per client, each response from the version it names', async () => {
    const server: ServingServer = await startServer({ source: { registry, model: 'churn' }, pollMs: 25, maxWaitMs: 1 });
    try {
      const records = await referenceRecords(fx.data, fx.classifier.card, 30);
      const expected: Record<string, string[]> = {};
      for (const [v, m] of [['1', fx.classifier], ['2', v2]] as const) {
        const ref = await referencePredictions(m, records);
        expected[v] = ref.kind === 'labels' ? ref.labels : [];
      }
      expect(expected['1']).not.toEqual(expected['2']); // the two versions are distinguishable by their answers
      const oldModel = server.follower.current;
      expect(oldModel.identity.version).toBe('1');

      let stop = false;
      const failures: string[] = [];
      // Each client's versions in answer order, read while the loops run (waits are by count, not by time,
      // so a loaded machine slows the test down instead of starving a client of requests).
      const seenBy: string[][] = Array.from({ length: 6 }, () => []);
      const waitUntil = async (what: string, done: () => boolean) => {
        const limit = Date.now() + 30_000;
        while (!done()) {
          if (Date.now() > limit) throw new Error(`timed out waiting until ${what}`);
          await sleep(10);
        }
      };
      const loop = async (client: number) => {
        const seen = seenBy[client]!;
        let i = client;
        while (!stop) {
          const start = (i++ * 3) % 25;
          const rows = records.slice(start, start + 1 + (i % 5));
          const viaMlflow = i % 3 === 0;
          const res = viaMlflow
            ? await postJson(`${server.url}/invocations`, { dataframe_records: rows })
            : await postJson(`${server.url}/predict`, rows);
          if (res.status !== 200) {
            failures.push(`${res.status} ${JSON.stringify(res.json)}`);
            continue;
          }
          const version = res.headers.get('x-model-version')!;
          const predicted: unknown[] = viaMlflow ? res.json.predictions : res.json.predict;
          expect(res.json.model_version).toBe(version);
          expect(predicted.map(String)).toEqual(expected[version]!.slice(start, start + rows.length));
          seen.push(version);
        }
        return seen;
      };
      const loops = Array.from({ length: 6 }, (_, c) => loop(c));
      await waitUntil('every client was answered by version 1 three times', () => seenBy.every((v) => v.length >= 3));
      await registry.moveAlias({ model: 'churn', alias: 'champion', to: 2, expected: 1, actor: 'test', reason: 'promote' });
      await waitUntil('serving swapped to version 2', () => server.follower.current.identity.version === '2');
      await waitUntil('every client was answered by version 2 three times', () => seenBy.every((v) => v.filter((x) => x === '2').length >= 3));
      stop = true;
      const seen = await Promise.all(loops);

      expect(failures).toEqual([]);
      for (const versions of seen) {
        expect(versions.length).toBeGreaterThan(5);
        const firstTwo = versions.indexOf('2');
        expect(versions[0]).toBe('1');
        expect(firstTwo).toBeGreaterThan(0);
        // Monotonic: once version 2 answered this client, version 1 never does again.
        expect(versions.slice(firstTwo).every((v) => v === '2')).toBe(true);
      }
      // The old session is released once its requests drained.
      const until = Date.now() + 2000;
      while (!oldModel.isReleased && Date.now() < until) await sleep(10);
      expect(oldModel.isReleased).toBe(true);
      expect(oldModel.activeLeases).toBe(0);

      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(metricValue(text, 'driftloop_serving_model_swaps_total')).toBe(1);
      expect(metricValue(text, 'driftloop_serving_model_info', { version: '2' })).toBe(1);
      expect(metricValue(text, 'driftloop_serving_model_info', { version: '1' })).toBeNaN();
      expect((await getJson(`${server.url}/v2/models/churn`)).json.versions).toEqual(['2']);
      expect((await getJson(`${server.url}/metadata`)).json.model_card.estimator.name).toBe('random_forest');
    } finally {
      await server.close();
    }
  });

  it('a retired version keeps its session until the last lease is returned', async () => {
    const artifact = await fileArtifact(fx.classifier, '1');
    const model = await LoadedModel.load({ ...artifact, batcher: DEFAULT_BATCHER_OPTIONS });
    const lease = model.acquire();
    const retired = model.retire();
    await sleep(30);
    expect(model.isReleased).toBe(false);
    // The lease holder can still predict on it.
    const out = await lease.model.predict(
      (await import('../../serving/row-formats.js')).columnsFromRecords(model.examples.slice(0, 1), model.schema, { extraFields: 'reject', maxRows: 10 }),
    );
    expect(out.labels).toHaveLength(1);
    lease.release();
    await retired;
    expect(model.isReleased).toBe(true);
  });

  it('a version that fails to load is skipped: the old one keeps serving, and the next good version swaps in', async () => {
    let head = '1';
    const errors: string[] = [];
    const source: ModelSource = {
      name: 'churn',
      description: 'test source',
      followable: true,
      head: async () => ({ version: head }),
      load: async (version) => {
        if (version === 'broken') return { ...(await fileArtifact(fx.classifier, version)), bytes: new Uint8Array([1, 2, 3]) };
        return fileArtifact(version === '1' ? fx.classifier : v2, version);
      },
    };
    const follower = await ModelFollower.start(source, {
      pollMs: 0,
      load: async (a) => LoadedModel.load({ ...a, batcher: DEFAULT_BATCHER_OPTIONS }),
      onError: (_err, context) => errors.push(context),
    });
    try {
      head = 'broken';
      expect(await follower.check()).toBe(false);
      expect(follower.current.identity.version).toBe('1');
      expect(errors[0]).toMatch(/cannot load test source version broken; still serving version 1/);
      head = '2';
      expect(await follower.check()).toBe(true);
      expect(follower.current.identity.version).toBe('2');
    } finally {
      await follower.close();
    }
  });
});

async function fileArtifact(m: TrainedModel, version: string): Promise<ModelArtifact> {
  return {
    identity: { name: 'churn', version, sha256: 'x'.repeat(64), source: 'test', createdAt: null },
    card: m.card,
    bytes: await readFile(m.onnx),
    prototype: null,
  };
}
