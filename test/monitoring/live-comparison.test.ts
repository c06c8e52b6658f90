import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CanaryConfig, WatchConfig } from '../../config/promotion.js';
import { DataError } from '../../errors/index.js';
import { compareLive, metricDrop, percentile } from '../../monitoring/live-comparison.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import type { PredictionRecord } from '../../registry/types.js';
import { bytes, card, data } from '../registry/registry-suite.js';

let home: string;
let reg: SqlRegistry;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'driftloop-live-'));
  reg = await openSqliteRegistry(home);
  for (let i = 1; i <= 2; i++) await reg.registerVersion({ model: 'm', onnx: bytes(`v${i}`), card: card(), trainingData: data });
});
afterEach(async () => {
  await reg.close();
  await rm(home, { recursive: true, force: true });
});

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const HOUR = 3_600_000;

interface Arm {
  version: number;
  /** Offset of the first request from T0 (ms); requests are 1 s apart. */
  from?: number;
  requests: number;
  latencyMs: (i: number) => number;
  /** Probability of the predicted class. */
  confidence: number;
  /** Requests that get feedback (the first n). */
  labelled: number;
  /** Of the labelled ones, the first n are predicted right. */
  correct: number;
  /** Rows per request (the request's latency logged on each). */
  rowsPerRequest?: number;
  /** Request ids are `v<version><tag>-<i>`: arms of one version need distinct tags. */
  tag?: string;
}

/** Logs one arm's predictions: class 1 predicted, with the given confidence; feedback labels make `correct` of `labelled` right. */
async function logArm(arm: Arm): Promise<void> {
  const rows: PredictionRecord[] = [];
  const k = arm.rowsPerRequest ?? 1;
  const id = `v${arm.version}${arm.tag ?? ''}`;
  for (let i = 0; i < arm.requests; i++) {
    for (let r = 0; r < k; r++) {
      rows.push({
        requestId: k === 1 ? `${id}-${i}` : `${id}-${i}#${r}`,
        model: 'm',
        version: arm.version,
        at: new Date(T0 + (arm.from ?? 0) + i * 1000).toISOString(),
        features: { a: 1 },
        prediction: 1,
        probabilities: { '0': 1 - arm.confidence, '1': arm.confidence },
        latencyMs: arm.latencyMs(i),
      });
    }
  }
  await reg.logPredictions(rows);
  for (let i = 0; i < arm.labelled; i++) {
    const requestId = k === 1 ? `${id}-${i}` : `${id}-${i}#0`;
    await reg.recordFeedback({ model: 'm', requestId, label: i < arm.correct ? 1 : 0 });
  }
}

const canaryRules = CanaryConfig.parse({ minRequests: 100, minLabelledRows: 50, maxMetricDrop: 0.02, maxLatencyRatio: 1.5, maxConfidenceDrop: 0.1 });
const watchRules = WatchConfig.parse({ minLabelledRows: 50, maxMetricDrop: 0.02 });
const canary = (over: Partial<Parameters<typeof compareLive>[1]> = {}) =>
  compareLive(reg, {
    model: 'm',
    kind: 'canary',
    metric: 'accuracy',
    baseline: 1,
    subject: 2,
    since: new Date(T0).toISOString(),
    until: new Date(T0 + HOUR).toISOString(),
    canary: canaryRules,
    ...over,
  });

const good = (version: number): Arm => ({ version, requests: 150, latencyMs: (i) => 5 + (i % 10), confidence: 0.8, labelled: 60, correct: 54 });

describe('live comparison: canary', () => {
  it('summarises each arm over the window: requests, p95 latency, mean top-class probability, labelled rows and the primary metric', async () => {
    await logArm(good(1));
    await logArm({ ...good(2), requests: 120, latencyMs: (i) => i + 1, confidence: 0.7, labelled: 50, correct: 40 });
    const res = await canary();
    expect(res.baseline).toMatchObject({ version: 1, requests: 150, rows: 150, p95LatencyMs: 14, labelledRows: 60, metric: 'accuracy' });
    expect(res.baseline.metricValue).toBeCloseTo(0.9, 12);
    expect(res.baseline.meanConfidence).toBeCloseTo(0.8, 12);
    // Latencies 1..120: nearest-rank p95 is the 114th.
    expect(res.subject).toMatchObject({ version: 2, requests: 120, p95LatencyMs: 114, labelledRows: 50 });
    expect(res.subject.metricValue).toBeCloseTo(0.8, 12);
    expect(res.subject.meanConfidence).toBeCloseTo(0.7, 12);
    expect(res.baseline.since).toBe(res.subject.since);
  });

  it('passes a candidate that is as fast, as confident and as accurate as the champion', async () => {
    await logArm(good(1));
    await logArm(good(2));
    const res = await canary();
    expect(res.verdict).toBe('pass');
    expect(res.reasons).toHaveLength(3);
    expect(res.reasons.join('\n')).toMatch(/within 1\.5×[\s\S]*within 0\.1[\s\S]*accuracy .*within 0\.02/);
  });

  it('fails a candidate whose p95 latency is more than maxLatencyRatio × the champion\'s', async () => {
    await logArm(good(1));
    await logArm({ ...good(2), latencyMs: (i) => 30 + (i % 10) });
    const res = await canary();
    expect(res.verdict).toBe('fail');
    expect(res.reasons.join('\n')).toMatch(/p95 latency v2 39\.00 ms vs v1 14\.00 ms: more than 1\.5× \(canary\.maxLatencyRatio\)/);
  });

  it('fails a candidate whose live accuracy is worse by more than maxMetricDrop, once both sides have enough labels', async () => {
    await logArm(good(1));
    await logArm({ ...good(2), correct: 50 }); // 0.833 vs 0.9
    expect((await canary()).verdict).toBe('fail');
    expect((await canary()).reasons.join('\n')).toMatch(/accuracy v2 0\.8333 vs v1 0\.9000 on 60 and 60 labelled rows: worse by more than 0\.02 \(canary\.maxMetricDrop\)/);
    // With a looser rule it passes.
    expect((await canary({ canary: { ...canaryRules, maxMetricDrop: 0.1 } })).verdict).toBe('pass');
  });

  it('compares no metric below minLabelledRows (latency and confidence still decide)', async () => {
    await logArm(good(1));
    await logArm({ ...good(2), labelled: 10, correct: 0 });
    const res = await canary();
    expect(res.verdict).toBe('pass');
    expect(res.reasons.at(-1)).toMatch(/accuracy not compared: 10 and 60 labelled rows .*minLabelledRows is 50/);
  });

  it('fails a classifier whose mean top-class probability drops by more than maxConfidenceDrop', async () => {
    await logArm(good(1));
    await logArm({ ...good(2), confidence: 0.65 });
    const res = await canary();
    expect(res.verdict).toBe('fail');
    expect(res.reasons.join('\n')).toMatch(/mean top-class probability v2 0\.6500 vs v1 0\.8000: lower by more than 0\.1/);
  });

  it('is insufficient when either side served fewer than minRequests; only rows inside the window count', async () => {
    await logArm(good(1));
    await logArm({ ...good(2), requests: 99 });
    await logArm({ ...good(2), from: -HOUR, requests: 50, tag: 'early' }); // before the canary: not counted
    const res = await canary();
    expect(res.verdict).toBe('insufficient');
    expect(res.reasons).toEqual(['v2 served 99 requests, fewer than canary.minRequests (100)']);
  });

  it('counts a multi-row request once, with its latency once', async () => {
    await logArm({ ...good(1), rowsPerRequest: 3 });
    await logArm(good(2));
    const res = await canary();
    expect(res.baseline).toMatchObject({ requests: 150, rows: 450, p95LatencyMs: 14 });
  });

  it('refuses a window that is not one, naming the field', async () => {
    await expect(canary({ since: 'yesterday' })).rejects.toThrow(/since must be an ISO-8601 time/);
    await expect(canary({ until: new Date(T0 - 1).toISOString() })).rejects.toBeInstanceOf(DataError);
  });
});

describe('live comparison: watch window', () => {
  const watch = () =>
    compareLive(reg, {
      model: 'm',
      kind: 'watch',
      metric: 'accuracy',
      baseline: 1,
      subject: 2,
      since: new Date(T0).toISOString(),
      until: new Date(T0 + HOUR).toISOString(),
      watch: watchRules,
    });

  it('compares the new champion after the promotion with the previous one over the same-length window before it', async () => {
    await logArm({ ...good(1), from: -HOUR }); // the previous champion, the hour before
    await logArm({ ...good(1), from: -2 * HOUR, correct: 0, tag: 'older' }); // two hours before: outside the baseline window
    await logArm({ ...good(2), correct: 54 });
    const res = await watch();
    expect(res.baseline).toMatchObject({ since: new Date(T0 - HOUR).toISOString(), until: new Date(T0).toISOString(), labelledRows: 60 });
    expect(res.baseline.metricValue).toBeCloseTo(0.9, 12);
    expect(res.subject.since).toBe(new Date(T0).toISOString());
    expect(res.verdict).toBe('pass');
  });

  it('fails a new champion worse than the previous by more than maxMetricDrop (latency is not a watch rule)', async () => {
    await logArm({ ...good(1), from: -HOUR });
    await logArm({ ...good(2), correct: 45, latencyMs: () => 1 });
    const res = await watch();
    expect(res.verdict).toBe('fail');
    expect(res.reasons).toEqual([expect.stringMatching(/accuracy v2 0\.7500 vs v1 0\.9000 .* worse by more than 0\.02 \(watch\.maxMetricDrop\)/)]);
  });

  it('is insufficient (the new champion stays) with fewer labelled rows than minLabelledRows on either side', async () => {
    await logArm({ ...good(1), from: -HOUR });
    await logArm({ ...good(2), labelled: 49, correct: 0 });
    const res = await watch();
    expect(res.verdict).toBe('insufficient');
    expect(res.reasons).toEqual([expect.stringMatching(/^v2 has 49 labelled rows .* fewer than watch\.minLabelledRows \(50\)/)]);
  });
});

describe('live comparison helpers', () => {
  it('metricDrop is positive when the subject is worse, whatever the metric direction', () => {
    expect(metricDrop('accuracy', 0.9, 0.8)).toBeCloseTo(0.1, 12);
    expect(metricDrop('rmse', 1.0, 1.5)).toBeCloseTo(0.5, 12);
    expect(metricDrop('rmse', 1.0, 0.5)).toBeCloseTo(-0.5, 12);
  });

  it('percentile is nearest-rank', () => {
    expect(percentile([], 0.95)).toBeNull();
    expect(percentile([3], 0.95)).toBe(3);
    expect(percentile(Array.from({ length: 100 }, (_, i) => 100 - i), 0.95)).toBe(95);
  });
});
