import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import { PredictionLogger, type PredictionRecord } from '../../serving/prediction-log.js';
import { registryPredictionSink } from '../../serving/prediction-sinks.js';
import { metricValue, MemorySink, postJson, referenceRecords, startServer, trainFixtures, type Fixtures } from './support.js';

let fx: Fixtures;
let records: Record<string, number | string | null>[];

beforeAll(async () => {
  fx = await trainFixtures({ regressor: false });
  records = await referenceRecords(fx.data, fx.classifier.card, 30);
});
afterAll(async () => {
  await fx?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('prediction logging', () => {
  it('every served row reaches the sink in batches, with the response’s request id, version, features and prediction', async () => {
    const sink = new MemorySink();
    const server = await startServer({ source: { onnx: fx.classifier.onnx }, sink, log: { flushRecords: 10, flushMs: 40 } });
    try {
      const sizes = [1, 3, 2, 5, 1, 4, 2, 6, 1, 5];
      const responses = await Promise.all(
        sizes.map((n, i) => postJson(`${server.url}/predict`, records.slice(i, i + n), i === 0 ? { 'x-request-id': 'client-chosen-id' } : {})),
      );
      expect(responses[0]!.headers.get('x-request-id')).toBe('client-chosen-id');
      const total = sizes.reduce((a, b) => a + b, 0);
      const deadline = Date.now() + 3000;
      while (sink.records.length < total && Date.now() < deadline) await sleep(10);
      expect(sink.records).toHaveLength(total);
      expect(sink.batches.length).toBeLessThan(sizes.length); // batched, not one write per request
      for (const [i, res] of responses.entries()) {
        const id = res.headers.get('x-request-id')!;
        const logged = sink.records.filter((r) => r.requestId === id).sort((a, b) => a.row - b.row);
        expect(logged.map((r) => r.row)).toEqual([...Array(sizes[i]).keys()]);
        for (const [row, rec] of logged.entries()) {
          expect(rec).toMatchObject({ model: 'churn', version: server.follower.current.identity.version, endpoint: '/predict', rows: sizes[i] });
          expect(rec.features).toEqual(records[i + row]);
          expect(rec.prediction).toBe(res.json.predict[row]);
          expect(rec.probabilities).toEqual(res.json.probabilities[row]);
        }
      }
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(metricValue(text, 'driftloop_serving_prediction_log_records_total')).toBe(total);
    } finally {
      await server.close();
    }
  });

  it('a stuck sink never delays responses; a failing sink is retried', async () => {
    const sink = new MemorySink();
    let release!: () => void;
    sink.gate = new Promise((r) => (release = r));
    sink.failures = 1;
    const server = await startServer({ source: { onnx: fx.classifier.onnx }, sink, log: { flushRecords: 1, flushMs: 10 } });
    try {
      for (let i = 0; i < 5; i++) {
        const res = await postJson(`${server.url}/predict`, records.slice(i, i + 1));
        expect(res.status).toBe(200);
        if (i === 0) await sleep(20);
      }
      // Every response came back while the sink's first write was still hanging.
      expect(sink.writesStarted).toBeGreaterThanOrEqual(1);
      expect(sink.records).toHaveLength(0);
    } finally {
      sink.gate = null;
      release();
      await server.close(); // flushes: the failed write is retried
    }
    expect(sink.records).toHaveLength(5);
  });

  it('PredictionLogger: flushes at flushRecords or flushMs, drops (and counts) only after maxAttempts', async () => {
    const sink = new MemorySink();
    let dropped = 0;
    const logger = new PredictionLogger(sink, { flushRecords: 4, flushMs: 50, maxBuffered: 1000, maxAttempts: 2 }, { dropped: (n) => (dropped += n) });
    const rec = (id: string): PredictionRecord => ({ requestId: id, row: 0, rows: 1, model: 'm', version: '1', endpoint: '/predict', at: '', features: {}, prediction: 0 });
    for (let i = 0; i < 4; i++) logger.log(1, () => [rec(`a${i}`)]);
    await sleep(5);
    expect(sink.records).toHaveLength(4); // count threshold, well before flushMs
    logger.log(1, () => [rec('b')]);
    await sleep(5);
    expect(sink.records).toHaveLength(4);
    await sleep(80);
    expect(sink.records).toHaveLength(5); // time threshold
    sink.failures = 5;
    logger.log(1, () => [rec('c')]);
    await logger.close();
    expect(dropped).toBe(1);
  });
});

describe('feedback', () => {
  it('POST /feedback attaches a label to the prediction named by X-Request-Id; unknown ids are 404, wrong labels 400', async () => {
    const sink = new MemorySink();
    const server = await startServer({ source: { onnx: fx.classifier.onnx }, sink, log: { flushMs: 60_000 } });
    try {
      const one = await postJson(`${server.url}/predict`, records.slice(0, 1));
      const id = one.headers.get('x-request-id')!;
      // Sent right away: the log is flushed first, so the prediction is found.
      const fb = await postJson(`${server.url}/feedback`, { requestId: id, label: 1 });
      expect(fb.status, JSON.stringify(fb.json)).toBe(200);
      expect(fb.json).toEqual({ matched: 1 });
      expect(sink.feedbacks).toMatchObject([{ requestId: id, label: 1, row: null, model: 'churn' }]);

      const many = await postJson(`${server.url}/predict`, records.slice(0, 3));
      const manyId = many.headers.get('x-request-id')!;
      expect((await postJson(`${server.url}/feedback`, { requestId: manyId, label: [0, 1, '1'] })).json).toEqual({ matched: 3 });
      expect((await postJson(`${server.url}/feedback`, { requestId: manyId, label: 0, row: 2 })).json).toEqual({ matched: 1 });

      const unknown = await postJson(`${server.url}/feedback`, { requestId: 'never-served', label: 0 });
      expect(unknown.status).toBe(404);
      const badLabel = await postJson(`${server.url}/feedback`, { requestId: id, label: 'yes' });
      expect(badLabel.status).toBe(400);
      expect(badLabel.json).toMatchObject({ field: 'label' });
      expect(badLabel.json.error).toMatch(/"yes" is not a class of model "churn" \(classes: 0, 1\)/);
      const noId = await postJson(`${server.url}/feedback`, { label: 1 });
      expect(noId.status).toBe(400);
      expect(noId.json.error).toMatch(/requestId/);
    } finally {
      await server.close();
    }
  });

  it('without a sink, /feedback is 501', async () => {
    const server = await startServer({ source: { onnx: fx.classifier.onnx } });
    try {
      expect((await postJson(`${server.url}/feedback`, { requestId: 'x', label: 1 })).status).toBe(501);
    } finally {
      await server.close();
    }
  });

  it("through the registry's prediction log: rows under the request id (id#row for multi-row requests), labels joined", async () => {
    const registry: SqlRegistry = await openSqliteRegistry(join(fx.root, 'feedback-home'));
    try {
      await registry.registerVersion({ model: 'churn', onnx: await readFile(fx.classifier.onnx), card: fx.classifier.card, trainingData: await readFile(fx.data) });
      await registry.moveAlias({ model: 'churn', alias: 'champion', to: 1, expected: null, actor: 'test', reason: 'test' });
      const server = await startServer({ source: { registry, model: 'churn' }, sink: registryPredictionSink(registry), pollMs: 0 });
      let single: string;
      let multi: string;
      try {
        single = (await postJson(`${server.url}/predict`, records.slice(0, 1))).headers.get('x-request-id')!;
        multi = (await postJson(`${server.url}/predict`, records.slice(1, 4))).headers.get('x-request-id')!;
        expect((await postJson(`${server.url}/feedback`, { requestId: single, label: 0 })).json).toEqual({ matched: 1 });
        expect((await postJson(`${server.url}/feedback`, { requestId: multi, label: 1, row: 2 })).json).toEqual({ matched: 1 });
      } finally {
        await server.close();
      }
      const logged = await registry.readPredictions('churn');
      expect(logged.map((p) => p.requestId).sort()).toEqual([single, `${multi}#0`, `${multi}#1`, `${multi}#2`].sort());
      expect(logged.every((p) => p.version === 1)).toBe(true);
      expect(logged.find((p) => p.requestId === single)).toMatchObject({ label: 0, features: records[0] });
      expect(logged.find((p) => p.requestId === `${multi}#2`)).toMatchObject({ label: 1, features: records[3] });
      expect(logged.find((p) => p.requestId === `${multi}#0`)!.label).toBeNull();
      // Probabilities are stored per row, keyed by class, as the responses gave them.
      const classes = fx.classifier.card.classes!.map(String);
      for (const p of logged) {
        expect(Object.keys(p.probabilities!).sort()).toEqual([...classes].sort());
        expect(Object.values(p.probabilities!).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        expect(p.probabilities![String(p.prediction)]).toBe(Math.max(...Object.values(p.probabilities!)));
      }
    } finally {
      await registry.close();
    }
  });
});

describe('graceful shutdown', () => {
  it('close() lets in-flight requests finish, flushes the log, then refuses connections', async () => {
    const sink = new MemorySink();
    // A long batching wait keeps requests in flight when close() is called.
    const server = await startServer({ source: { onnx: fx.classifier.onnx }, sink, maxWaitMs: 300, log: { flushMs: 60_000, flushRecords: 10_000 } });
    const inFlight = Array.from({ length: 8 }, (_, i) => postJson(`${server.url}/predict`, records.slice(i, i + 2)));
    await sleep(50);
    const model = server.follower.current;
    await server.close();
    const responses = await Promise.all(inFlight);
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(sink.records).toHaveLength(16); // flushed at close, long before flushMs
    expect(model.isReleased).toBe(true);
    await expect(fetch(`${server.url}/ping`)).rejects.toThrow();
  });
});
