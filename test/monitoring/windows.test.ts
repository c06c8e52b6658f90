import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../../errors/index.js';
import { CLASSIFICATION_METRICS, classificationMetrics } from '../../metrics/classification-metrics.js';
import { encodeLabels } from '../../metrics/confusion.js';
import type { MetricValues } from '../../metrics/metric-value.js';
import { regressionMetrics } from '../../metrics/regression-metrics.js';
import { ESTIMATED_METRICS, estimatePerformance } from '../../monitoring/cbpe.js';
import { computeMetricWindows } from '../../monitoring/compute-windows.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import type { MetricWindow, PredictionRecord } from '../../registry/types.js';
import { argmax, card, random, registerVersions, tempRegistry } from './support.js';

const CLASSES = ['0', '1'];
const day = (d: number, h = 0, m = 0) => new Date(Date.UTC(2025, 2, d, h, m)).toISOString();

interface Row {
  record: PredictionRecord;
  label: number | null;
  probabilities: number[] | null;
}

/** n predictions of `version` spread over day d, labels drawn from the probabilities. */
function rows(rng: ReturnType<typeof random>, d: number, version: number, n: number, opts: { labelled: number; probabilities: boolean }): Row[] {
  return Array.from({ length: n }, (_, i) => {
    const p = rng.probabilities(2, 2);
    const at = new Date(Date.parse(day(d)) + Math.floor((i * 86_400_000) / n)).toISOString();
    return {
      record: {
        requestId: `d${d}-v${version}-${String(i).padStart(4, '0')}`,
        model: 'churn',
        version,
        at,
        features: { x: i },
        // Serving logs the class as the card spells it (a number here).
        prediction: argmax(p),
        ...(opts.probabilities ? { probabilities: { '0': p[0]!, '1': p[1]! } } : {}),
      },
      label: i < opts.labelled ? rng.draw(p) : null,
      probabilities: opts.probabilities ? p : null,
    };
  });
}

async function log(registry: SqlRegistry, all: Row[]): Promise<void> {
  await registry.logPredictions(all.map((r) => r.record));
  for (const r of all) if (r.label !== null) await registry.recordFeedback({ model: 'churn', requestId: r.record.requestId, label: r.label });
}

/** What the windows must hold, computed straight from the generated rows with the metric functions. */
function expectedRealised(group: Row[]): MetricValues {
  const labelled = group.filter((r) => r.label !== null);
  const withProba = labelled.every((r) => r.probabilities);
  return classificationMetrics({
    truth: labelled.map((r) => String(r.label)),
    predicted: labelled.map((r) => String(r.record.prediction)),
    classes: CLASSES,
    probabilities: withProba ? { classes: CLASSES, values: Float64Array.from(labelled.flatMap((r) => r.probabilities!)) } : null,
  });
}

function expectedEstimate(group: Row[]): MetricValues {
  const p = group.filter((r) => r.probabilities);
  return estimatePerformance(encodeLabels(p.map((r) => String(r.record.prediction)), CLASSES), {
    classes: CLASSES,
    values: Float64Array.from(p.flatMap((r) => r.probabilities!)),
  });
}

function pick(windows: MetricWindow[], start: string, version: number, kind: MetricWindow['kind']): Map<string, MetricWindow> {
  return new Map(windows.filter((w) => w.windowStart === start && w.version === version && w.kind === kind).map((w) => [w.metric, w]));
}

function expectValues(got: Map<string, MetricWindow>, expected: MetricValues, metrics: readonly string[]): void {
  expect([...got.keys()].sort()).toEqual([...metrics].sort());
  for (const m of metrics) {
    const e = expected[m]!;
    const w = got.get(m)!;
    if (e.value === null) {
      // Null where the metric function gives null; the window's reason may be more specific (it knows the log).
      expect([m, w.value]).toEqual([m, null]);
      expect(w.reason, m).toMatch(/\w/);
    } else {
      expect(w.value, m).not.toBeNull();
      expect(Math.abs(w.value! - e.value), m).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(e.value)));
    }
  }
}

describe('computeMetricWindows (prediction log joined with feedback, SQLite registry)', () => {
  let env: Awaited<ReturnType<typeof tempRegistry>>;
  beforeEach(async () => {
    env = await tempRegistry();
  });
  afterEach(async () => {
    await env?.cleanup();
  });

  it('realised metrics where labelled, CBPE wherever probabilities were logged, per version and UTC day; stored; idempotent', async () => {
    const { registry } = env;
    await registerVersions(registry, 'churn', 2, card('binary', [0, 1], { accuracy: 0.8 }));
    const rng = random(17);
    const d1v1 = rows(rng, 1, 1, 300, { labelled: 200, probabilities: true });
    const d1v2 = rows(rng, 1, 2, 50, { labelled: 0, probabilities: true });
    const d2v1 = rows(rng, 2, 1, 100, { labelled: 100, probabilities: false });
    const d3v2 = rows(rng, 3, 2, 150, { labelled: 150, probabilities: true });
    // Outside the range asked for, even once widened to whole days.
    const outside = rows(rng, 5, 1, 10, { labelled: 10, probabilities: true });
    await log(registry, [...d1v1, ...d1v2, ...d2v1, ...d3v2, ...outside]);

    const now = new Date('2025-03-10T00:00:00Z');
    // since/until mid-day: widened to whole UTC days, so day 1's early rows and day 3's late rows count.
    const windows = await computeMetricWindows(registry, { model: 'churn', task: 'binary', since: day(1, 10), until: day(3, 12), windowHours: 24, now, pageSize: 64 });

    const starts = [...new Set(windows.map((w) => `${w.windowStart} ${w.windowEnd} v${w.version} ${w.kind}`))];
    expect(starts).toEqual([
      `${day(1)} ${day(2)} v1 realised`,
      `${day(1)} ${day(2)} v1 estimated`,
      `${day(1)} ${day(2)} v2 estimated`,
      `${day(2)} ${day(3)} v1 realised`,
      `${day(3)} ${day(4)} v2 realised`,
      `${day(3)} ${day(4)} v2 estimated`,
    ]);
    expectValues(pick(windows, day(1), 1, 'realised'), expectedRealised(d1v1), CLASSIFICATION_METRICS);
    expectValues(pick(windows, day(1), 1, 'estimated'), expectedEstimate(d1v1), ESTIMATED_METRICS);
    // No label yet for v2 on day 1: the estimate alone.
    expectValues(pick(windows, day(1), 2, 'estimated'), expectedEstimate(d1v2), ESTIMATED_METRICS);
    // Rows logged without probabilities: label metrics, and probability metrics null saying why.
    const d2 = pick(windows, day(2), 1, 'realised');
    expectValues(d2, expectedRealised(d2v1), CLASSIFICATION_METRICS);
    expect(d2.get('rocAuc')!.reason).toBe('100 of 100 labelled rows have no logged probabilities');
    expectValues(pick(windows, day(3), 2, 'realised'), expectedRealised(d3v2), CLASSIFICATION_METRICS);
    expect(windows.find((w) => w.windowStart === day(1) && w.version === 1)).toMatchObject({ rows: 300, labelledRows: 200, computedAt: now.toISOString() });
    expect(windows.find((w) => w.windowStart === day(1) && w.version === 2)).toMatchObject({ rows: 50, labelledRows: 0 });

    // Stored as returned.
    expect(await registry.listMetricWindows('churn')).toEqual(
      [...windows].sort((a, b) => (a.windowStart < b.windowStart ? -1 : a.windowStart > b.windowStart ? 1 : a.version - b.version || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))),
    );
    // Recomputing (with another page size and a later clock) replaces the rows instead of adding any.
    const later = new Date('2025-03-11T00:00:00Z');
    const again = await computeMetricWindows(registry, { model: 'churn', task: 'binary', since: day(1), until: day(4), windowHours: 24, now: later });
    expect(again.map((w) => [w.windowStart, w.version, w.metric, w.kind, w.value])).toEqual(windows.map((w) => [w.windowStart, w.version, w.metric, w.kind, w.value]));
    const stored = await registry.listMetricWindows('churn');
    expect(stored).toHaveLength(windows.length);
    expect(stored.every((w) => w.computedAt === later.toISOString())).toBe(true);
  });

  it('one version only; 6-hour windows on the UTC grid', async () => {
    const { registry } = env;
    await registerVersions(registry, 'churn', 2, card('binary', [0, 1]));
    const rng = random(3);
    const v1 = rows(rng, 1, 1, 40, { labelled: 40, probabilities: true });
    const v2 = rows(rng, 1, 2, 40, { labelled: 40, probabilities: true });
    await log(registry, [...v1, ...v2]);
    const windows = await computeMetricWindows(registry, { model: 'churn', task: 'binary', since: day(1), until: day(2), windowHours: 6, versions: [2] });
    expect(new Set(windows.map((w) => w.version))).toEqual(new Set([2]));
    expect([...new Set(windows.map((w) => w.windowStart))]).toEqual([day(1, 0), day(1, 6), day(1, 12), day(1, 18)]);
    const quarter = (q: number) => v2.filter((r) => Math.floor((Date.parse(r.record.at) - Date.parse(day(1))) / 21_600_000) === q);
    expectValues(pick(windows, day(1, 12), 2, 'realised'), expectedRealised(quarter(2)), CLASSIFICATION_METRICS);
    expect(pick(windows, day(1, 12), 2, 'realised').get('accuracy')!.rows).toBe(quarter(2).length);
  });

  it('regression: RMSE, MAE, MAPE, R² of the labelled rows, no estimate', async () => {
    const { registry } = env;
    await registerVersions(registry, 'price', 1, card('regression', null));
    const rng = random(8);
    const y = Array.from({ length: 80 }, () => 100 + 20 * rng.normal());
    const yhat = y.map((v) => v + 5 * rng.normal());
    await registry.logPredictions(y.map((_, i) => ({ requestId: `r${i}`, model: 'price', version: 1, at: day(1, 0, i), features: { x: i }, prediction: yhat[i] })));
    // Every fourth row never gets its label.
    const labelled = [...y.keys()].filter((i) => i % 4 !== 0);
    for (const i of labelled) await registry.recordFeedback({ model: 'price', requestId: `r${i}`, label: y[i]! });
    const truth = labelled.map((i) => y[i]!);
    const predicted = labelled.map((i) => yhat[i]!);
    const windows = await computeMetricWindows(registry, { model: 'price', task: 'regression', since: day(1), until: day(2), windowHours: 24 });
    expect(windows.every((w) => w.kind === 'realised' && w.rows === 80 && w.labelledRows === 60)).toBe(true);
    const got = new Map(windows.map((w) => [w.metric, w]));
    expectValues(got, regressionMetrics(Float64Array.from(truth), Float64Array.from(predicted)), ['rmse', 'mae', 'mape', 'r2']);
  });

  it('a logged value monitoring cannot read is a DataError naming the request', async () => {
    const { registry } = env;
    await registerVersions(registry, 'churn', 1, card('binary', [0, 1]));
    await registry.logPredictions([
      { requestId: 'ok', model: 'churn', version: 1, at: day(1, 1), features: {}, prediction: 1, probabilities: { '0': 0.3, '1': 0.7 } },
      { requestId: 'odd', model: 'churn', version: 1, at: day(1, 2), features: {}, prediction: { label: 1 } },
    ]);
    const run = () => computeMetricWindows(registry, { model: 'churn', task: 'binary', since: day(1), until: day(2), windowHours: 24 });
    await expect(run()).rejects.toThrow(/logged prediction "odd" of churn v1: the prediction is \{"label":1\}, not a class/);
    await expect(run()).rejects.toBeInstanceOf(DataError);
    await registry.logPredictions([{ requestId: 'z', model: 'churn', version: 1, at: day(1, 0), features: {}, prediction: 1, probabilities: { '1': 0.7 } }]);
    await expect(run()).rejects.toThrow(/logged prediction "z" of churn v1: its probabilities \(1\) lack the model's class "0"/);
    await expect(computeMetricWindows(registry, { model: 'churn', task: 'binary', since: day(2), until: day(1), windowHours: 24 })).rejects.toThrow(/until .* must be after since/);
  });
});
