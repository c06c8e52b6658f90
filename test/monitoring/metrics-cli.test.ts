import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIFICATION_METRICS, classificationMetrics } from '../../metrics/classification-metrics.js';
import { encodeLabels } from '../../metrics/confusion.js';
import type { MetricValues } from '../../metrics/metric-value.js';
import { ESTIMATED_METRICS, estimatePerformance } from '../../monitoring/cbpe.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import type { MetricWindow } from '../../registry/types.js';
import { driftloop } from '../support/cli.js';
import { argmax, card, random, registerVersions } from './support.js';

/**
 * `driftloop metrics` end to end: predictions and feedback logged into a
 * SQLite registry, then the built CLI recomputes the windows and prints them;
 * the values must be the metric functions' on the same rows.
 */
const CLASSES = ['no', 'yes'];
const day = (d: number) => new Date(Date.UTC(2025, 2, d)).toISOString();
let home: string;
let env: Record<string, string>;
const logged: { day: number; predicted: string; label: string | null; p: number[] }[] = [];

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'driftloop-metrics-cli-'));
  // SQLite under this home, whatever the environment running the tests says.
  env = { DRIFTLOOP_HOME: home, DRIFTLOOP_DATABASE_URL: '' };
  const registry = await openSqliteRegistry(home);
  try {
    await registerVersions(registry, 'churn', 1, card('binary', CLASSES, { accuracy: 0.8 }));
    const rng = random(2024);
    for (const d of [1, 2]) {
      for (let i = 0; i < 240; i++) {
        const p = rng.probabilities(2, 2);
        // Day 2's labels are late: only a third have arrived.
        const labelled = d === 1 ? i % 6 !== 0 : i % 3 === 0;
        logged.push({ day: d, predicted: CLASSES[argmax(p)]!, label: labelled ? CLASSES[rng.draw(p)]! : null, p });
      }
    }
    await registry.logPredictions(
      logged.map((r, i) => ({
        requestId: `req-${i}`,
        model: 'churn',
        version: 1,
        at: new Date(Date.parse(day(r.day)) + (i % 240) * 300_000).toISOString(),
        features: { tenure: i },
        prediction: r.predicted,
        probabilities: { no: r.p[0]!, yes: r.p[1]! },
      })),
    );
    for (const [i, r] of logged.entries()) if (r.label !== null) await registry.recordFeedback({ model: 'churn', requestId: `req-${i}`, label: r.label });
  } finally {
    await registry.close();
  }
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

function expectedFor(d: number): { realised: MetricValues; estimated: MetricValues; rows: number; labelled: number } {
  const rows = logged.filter((r) => r.day === d);
  const labelled = rows.filter((r) => r.label !== null);
  return {
    realised: classificationMetrics({
      truth: labelled.map((r) => r.label!),
      predicted: labelled.map((r) => r.predicted),
      classes: CLASSES,
      probabilities: { classes: CLASSES, values: Float64Array.from(labelled.flatMap((r) => r.p)) },
    }),
    estimated: estimatePerformance(encodeLabels(rows.map((r) => r.predicted), CLASSES), { classes: CLASSES, values: Float64Array.from(rows.flatMap((r) => r.p)) }),
    rows: rows.length,
    labelled: labelled.length,
  };
}

function close(actual: number | null, expected: number | null, what: string): void {
  expect(actual, what).not.toBeNull();
  expect(Math.abs(actual! - expected!), what).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected!)));
}

describe('driftloop metrics', () => {
  const range = ['--since', day(1), '--until', day(3)];

  it('--refresh --json: windows recomputed from the prediction log, equal to the metric functions on the same rows', async () => {
    const res = await driftloop(['metrics', 'churn', ...range, '--refresh', '--json'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { model: string; since: string; until: string; windows: MetricWindow[] };
    expect([out.model, out.since, out.until]).toEqual(['churn', day(1), day(3)]);
    for (const d of [1, 2]) {
      const want = expectedFor(d);
      const mine = out.windows.filter((w) => w.windowStart === day(d));
      expect(mine.every((w) => w.windowEnd === day(d + 1) && w.version === 1 && w.rows === want.rows && w.labelledRows === want.labelled)).toBe(true);
      const realised = new Map(mine.filter((w) => w.kind === 'realised').map((w) => [w.metric, w.value]));
      const estimated = new Map(mine.filter((w) => w.kind === 'estimated').map((w) => [w.metric, w.value]));
      expect([...realised.keys()].sort()).toEqual([...CLASSIFICATION_METRICS].sort());
      expect([...estimated.keys()].sort()).toEqual([...ESTIMATED_METRICS].sort());
      for (const m of CLASSIFICATION_METRICS) close(realised.get(m)!, want.realised[m]!.value, `day ${d} realised ${m}`);
      for (const m of ESTIMATED_METRICS) close(estimated.get(m)!, want.estimated[m]!.value, `day ${d} estimated ${m}`);
    }
  });

  it('prints a readable table: window, version, metric, realised beside estimated, rows, labelled', async () => {
    const res = await driftloop(['metrics', 'churn', ...range, '--metric', 'accuracy'], env);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^WINDOW\s+VERSION\s+METRIC\s+REALISED\s+ESTIMATED\s+ROWS\s+LABELLED$/);
    const d1 = expectedFor(1);
    const d2 = expectedFor(2);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      ['2025-03-01 00:00 → 2025-03-02 00:00', 'v1', 'accuracy', d1.realised.accuracy!.value!.toFixed(4), d1.estimated.accuracy!.value!.toFixed(4), '240', String(d1.labelled)],
      ['2025-03-02 00:00 → 2025-03-03 00:00', 'v1', 'accuracy', d2.realised.accuracy!.value!.toFixed(4), d2.estimated.accuracy!.value!.toFixed(4), '240', String(d2.labelled)],
    ]);
  });

  it('filters by version and time; names what is wrong', async () => {
    const none = await driftloop(['metrics', 'churn', '--since', day(1), '--until', day(3), '--version', '2', '--json'], env);
    expect(JSON.parse(none.stdout).windows).toEqual([]);
    const one = await driftloop(['metrics', 'churn', '--since', '2025-03-02T06:00:00Z', '--until', day(3), '--json'], env);
    expect(new Set(JSON.parse(one.stdout).windows.map((w: MetricWindow) => w.windowStart))).toEqual(new Set([day(2)]));
    const missing = await driftloop(['metrics', 'nosuch', '--json'], env);
    expect([missing.code, missing.stderr.trim()]).toEqual([1, 'driftloop: error: there is no model "nosuch" in the registry']);
    const bad = await driftloop(['metrics', 'churn', '--since', 'last tuesday'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--since must be an ISO-8601 time or a duration such as 7d, 24h or 30m, not "last tuesday"/);
  });
});
