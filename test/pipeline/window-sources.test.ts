import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { startPass, waitForPass } from '../../client/pass.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import { generateChurn, SYNTHETIC_HEADER } from '../../dataset/synthetic.js';
import { withClient, postgresUrl } from '../registry/postgres-support.js';
import { exampleProject } from '../support/example.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * The monitor and drift stages on each kind of current window (the
 * prediction log, a PostgreSQL query), the degradation rules as a retrain
 * trigger, and the run report every pass writes.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

async function pass(pipeline: PipelineConfig, force = false) {
  return waitForPass(await startPass(h.client, pipeline, { taskQueue: h.taskQueue, force }));
}

const NUMERIC = new Set(['tenure_months', 'monthly_charges', 'support_calls']);

/** Synthetic rows as prediction-log features (numbers for numeric features) and their labels. */
function served(rows: string[][]) {
  const target = SYNTHETIC_HEADER.indexOf('churned');
  return rows.map((row) => ({
    features: Object.fromEntries(
      SYNTHETIC_HEADER.flatMap((name, i) => (name === 'churned' ? [] : [[name, NUMERIC.has(name) ? Number(row[i]) : row[i]]])),
    ),
    label: row[target]!,
  }));
}

describe('current windows other than a file', () => {
  it('monitors and drift-checks the prediction log; a degradation rule triggers the retrain; the run report is written', async () => {
    const { model, steady } = await exampleProject();
    expect((await pass(steady)).decision).toBe('bootstrapped');
    const champion = (await h.registry.resolveAlias(model, 'champion'))!;

    // 600 drifted requests served in the last hour; feedback for 400 of them.
    const now = Date.now();
    const traffic = served(generateChurn({ rows: 600, seed: 11, drifted: true }));
    await h.registry.logPredictions(
      traffic.map((t, i) => ({
        requestId: `req-${i}`,
        model,
        version: champion.version,
        at: new Date(now - 3_000_000 + i * 1000).toISOString(),
        features: t.features,
        prediction: '0',
      })),
    );
    for (let i = 0; i < 400; i++) await h.registry.recordFeedback({ model, requestId: `req-${i}`, label: traffic[i]!.label });

    const pipeline: PipelineConfig = {
      ...steady,
      monitor: {
        ...steady.monitor,
        threshold: undefined,
        window: { kind: 'prediction-log', hours: 24 },
        // A floor no model reaches: the rule must fire on the 400 labelled rows.
        degradation: { floor: 0.999, minLabelledRows: 100, windowHours: 24 },
      },
    };
    const s = await pass(pipeline);
    if (s.stages.monitor.status !== 'done' || s.stages.monitor.result.status !== 'measured') throw new Error('monitor did not measure');
    const m = s.stages.monitor.result;
    expect(m.window).toMatch(/^prediction log of /);
    expect(m.windowRows).toBe(600);
    expect(m.rows).toBe(400);
    expect(m.degradation).toMatchObject({ degraded: true, rule: 'floor', insufficient: false });
    expect(s.retrainReasons).toContain('performance-degraded');

    if (s.stages.drift.status !== 'done') throw new Error('drift did not run');
    expect(s.stages.drift.result.window).toMatch(/^prediction log of /);
    expect(s.stages.drift.result.rows.current).toBe(600);
    expect(s.stages.drift.result.drifted).toContain('monthly_charges');
    const stored = await h.registry.getDriftReport(s.stages.drift.result.reportId);
    expect(stored.report.dataset.rows.current).toBe(600);

    // The monitor recorded the log's metric windows for the champion.
    const windows = await h.registry.listMetricWindows(model, { version: champion.version, metric: 'accuracy' });
    expect(windows.some((w) => w.kind === 'realised' && w.labelledRows === 400)).toBe(true);

    // The run report: a file under the home's reports folder, with the drift section and the decision.
    expect(s.report).toMatchObject({ status: 'written' });
    if (s.report?.status !== 'written') throw new Error('unreachable');
    const file = join(h.home, 'reports', `${s.report.id}.html`);
    expect(existsSync(file)).toBe(true);
    const html = await readFile(file, 'utf8');
    expect(html).toContain('monthly_charges');
    expect(html).toContain(s.runId);
  });

  it('drift-checks and monitors the rows of a PostgreSQL query, with the URL from the named environment variable', async () => {
    const { model, steady } = await exampleProject();
    expect((await pass(steady)).decision).toBe('bootstrapped');
    const champion = (await h.registry.resolveAlias(model, 'champion'))!;
    const table = `window_${model.replace(/[^a-z0-9]/g, '_')}`;
    const rows = generateChurn({ rows: 500, seed: 12, drifted: true });
    await withClient(async (c) => {
      await c.query(`create table ${table} (tenure_months double precision, monthly_charges double precision, support_calls integer, plan text, churned text)`);
      const cols = ['tenure_months', 'monthly_charges', 'support_calls', 'plan', 'churned'];
      for (const row of rows) {
        const values = cols.map((c) => row[SYNTHETIC_HEADER.indexOf(c as (typeof SYNTHETIC_HEADER)[number])]);
        await c.query(`insert into ${table} values ($1, $2, $3, $4, $5)`, values);
      }
    });
    process.env.DRIFTLOOP_TEST_WAREHOUSE_URL = postgresUrl();
    const pipeline: PipelineConfig = {
      ...steady,
      monitor: { ...steady.monitor, window: { kind: 'postgres', query: `select * from ${table}`, urlEnv: 'DRIFTLOOP_TEST_WAREHOUSE_URL' } },
    };
    const activities = createActivities({ registry: h.registry, home: h.home });
    const measured = await activities.monitor({ pipeline });
    expect(measured).toMatchObject({ status: 'measured', rows: 500, windowRows: 500 });
    const drift = await activities.drift({ pipeline, champion: { version: champion.version, sha256: champion.sha256 } });
    expect(drift.rows.current).toBe(500);
    expect(drift.drifted).toContain('monthly_charges');
    expect(drift.detected).toBe(true);

    // No URL in the environment: a non-retryable configuration error naming the variable.
    delete process.env.DRIFTLOOP_TEST_WAREHOUSE_URL;
    const err = await activities.monitor({ pipeline }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'ConfigError', nonRetryable: true });
    expect((err as Error).message).toContain('DRIFTLOOP_TEST_WAREHOUSE_URL');
  });
});
