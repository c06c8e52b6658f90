import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MicroBatcher } from '../../serving/batcher.js';
import type { ServingServer } from '../../serving/server.js';
import { metricValue, postJson, referencePredictions, referenceRecords, startServer, trainFixtures, type Fixtures } from './support.js';

interface Item {
  rows: number;
  id: string;
  poison?: boolean;
}

function recordingBatcher(opts: { maxBatchRows: number; maxWaitMs: number; maxConcurrentRuns: number }) {
  const runs: string[][] = [];
  const batcher = new MicroBatcher<Item, string>(async (inputs) => {
    runs.push(inputs.map((i) => i.id));
    await new Promise((r) => setTimeout(r, 5));
    if (inputs.some((i) => i.poison)) throw new Error('cannot run');
    return inputs.map((i) => `out-${i.id}`);
  }, opts);
  return { batcher, runs };
}

describe('MicroBatcher', () => {
  it('coalesces requests submitted together into one run and gives each its own result', async () => {
    const { batcher, runs } = recordingBatcher({ maxBatchRows: 100, maxWaitMs: 10, maxConcurrentRuns: 1 });
    const outs = await Promise.all(['a', 'b', 'c', 'd'].map((id) => batcher.submit({ rows: 2, id })));
    expect(outs).toEqual(['out-a', 'out-b', 'out-c', 'out-d']);
    expect(runs).toEqual([['a', 'b', 'c', 'd']]);
  });

  it('never exceeds maxBatchRows (a single larger request runs alone), FIFO', async () => {
    const { batcher, runs } = recordingBatcher({ maxBatchRows: 5, maxWaitMs: 10, maxConcurrentRuns: 4 });
    await Promise.all([
      batcher.submit({ rows: 3, id: 'a' }),
      batcher.submit({ rows: 2, id: 'b' }),
      batcher.submit({ rows: 1, id: 'c' }),
      batcher.submit({ rows: 9, id: 'big' }),
      batcher.submit({ rows: 4, id: 'd' }),
    ]);
    expect(runs).toEqual([['a', 'b'], ['c'], ['big'], ['d']]);
  });

  it('runs at once when idle; requests arriving during a run form the next batch, which goes when the run ends', async () => {
    const { batcher, runs } = recordingBatcher({ maxBatchRows: 4, maxWaitMs: 200, maxConcurrentRuns: 1 });
    let t = performance.now();
    await batcher.submit({ rows: 1, id: 'lonely' });
    // Idle: no maxWaitMs tax (the run itself takes 5 ms).
    expect(performance.now() - t).toBeLessThan(100);
    // Busy: 'b' and 'c' arrive while 'a' runs; they share the next run, which starts
    // as soon as 'a' is done rather than after the full maxWaitMs.
    t = performance.now();
    const a = batcher.submit({ rows: 1, id: 'a' });
    while (runs.length < 2) await new Promise((r) => setImmediate(r)); // 'a' is running
    const rest = [batcher.submit({ rows: 1, id: 'b' }), batcher.submit({ rows: 1, id: 'c' })];
    await Promise.all([a, ...rest]);
    expect(performance.now() - t).toBeLessThan(150);
    expect(runs.slice(-2)).toEqual([['a'], ['b', 'c']]);
    // With a second run slot free, a partial batch waits up to maxWaitMs for company…
    const wide = recordingBatcher({ maxBatchRows: 4, maxWaitMs: 200, maxConcurrentRuns: 2 });
    const slow = wide.batcher.submit({ rows: 1, id: 'p' });
    while (wide.runs.length < 1) await new Promise((r) => setImmediate(r)); // 'p' is running
    t = performance.now();
    await Promise.all([slow, wide.batcher.submit({ rows: 1, id: 'q' })]);
    expect(wide.runs).toEqual([['p'], ['q']]);
    // …which ended when 'p' finished and freed the model, well before 200 ms.
    expect(performance.now() - t).toBeLessThan(150);
    // A full batch dispatches without waiting.
    t = performance.now();
    const before = runs.length;
    const first = batcher.submit({ rows: 1, id: 'x' });
    while (runs.length === before) await new Promise((r) => setImmediate(r)); // 'x' is running
    await Promise.all([first, batcher.submit({ rows: 2, id: 'y' }), batcher.submit({ rows: 2, id: 'z' })]);
    expect(performance.now() - t).toBeLessThan(150);
  });

  it("a failing batch is re-run request by request: only the culprit fails", async () => {
    const { batcher, runs } = recordingBatcher({ maxBatchRows: 100, maxWaitMs: 5, maxConcurrentRuns: 1 });
    const results = await Promise.allSettled([
      batcher.submit({ rows: 1, id: 'a' }),
      batcher.submit({ rows: 1, id: 'bad', poison: true }),
      batcher.submit({ rows: 1, id: 'c' }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(runs[0]).toEqual(['a', 'bad', 'c']);
    expect(runs.slice(1).sort()).toEqual([['a'], ['bad'], ['c']]);
  });

  it('drain() waits for queued and running requests', async () => {
    const { batcher } = recordingBatcher({ maxBatchRows: 100, maxWaitMs: 20, maxConcurrentRuns: 1 });
    let done = false;
    void batcher.submit({ rows: 1, id: 'a' }).then(() => (done = true));
    await batcher.drain();
    expect(done).toBe(true);
    expect(batcher.pending).toBe(0);
  });
});

describe('micro-batching in the server', () => {
  let fx: Fixtures;
  let server: ServingServer;
  beforeAll(async () => {
    fx = await trainFixtures({ regressor: false });
    server = await startServer({ source: { onnx: fx.classifier.onnx }, maxWaitMs: 5, maxBatchRows: 256, maxConcurrentRuns: 1 });
  });
  afterAll(async () => {
    await server?.close();
    await fx?.cleanup();
  });

  it('concurrent requests share model runs, and each gets exactly its own rows’ predictions', async () => {
    const records = await referenceRecords(fx.data, fx.classifier.card, 120);
    const ref = await referencePredictions(fx.classifier, records);
    const labels = ref.kind === 'labels' ? ref.labels : [];
    // 40 concurrent requests of 1–5 rows at different offsets.
    const requests = Array.from({ length: 40 }, (_, i) => ({ start: (i * 7) % 100, rows: 1 + (i % 5) }));
    const before = await (await fetch(`${server.url}/metrics`)).text();
    const runsBefore = metricValue(before, 'driftloop_serving_batch_rows_count');
    const responses = await Promise.all(requests.map((r) => postJson(`${server.url}/predict`, records.slice(r.start, r.start + r.rows))));
    for (const [i, res] of responses.entries()) {
      const { start, rows } = requests[i]!;
      expect(res.status).toBe(200);
      expect(res.json.predict.map(String)).toEqual(labels.slice(start, start + rows));
    }
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const runs = metricValue(text, 'driftloop_serving_batch_rows_count') - runsBefore;
    const totalRows = requests.reduce((n, r) => n + r.rows, 0);
    expect(metricValue(text, 'driftloop_serving_batch_requests_sum') - metricValue(before, 'driftloop_serving_batch_requests_sum')).toBe(40);
    expect(metricValue(text, 'driftloop_serving_batch_rows_sum') - metricValue(before, 'driftloop_serving_batch_rows_sum')).toBe(totalRows);
    // Fewer model runs than requests: at least one run carried several requests.
    expect(runs).toBeLessThan(40);
    const singleRequestRuns = metricValue(text, 'driftloop_serving_batch_requests_bucket', { le: '1' }) - metricValue(before, 'driftloop_serving_batch_requests_bucket', { le: '1' });
    expect(singleRequestRuns).toBeLessThan(runs);
  });
});
