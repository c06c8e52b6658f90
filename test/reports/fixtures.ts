import type { DriftReport } from '../../drift/report.js';
import type { RunReportData } from '../../reports/run-data.js';

/** A column name and a category that try to break out of the markup and of the embedded JSON. */
export const EVIL_COLUMN = '<img src=x onerror="window.__pwned=1">';
export const EVIL_CATEGORY = '</script><script>window.__pwned=2</script>';

/** Shares of a normal-ish bump over `bins` bins centred at `centre` (sums to 1). */
function bump(bins: number, centre: number): number[] {
  const raw = Array.from({ length: bins }, (_, i) => Math.exp(-((i - centre) ** 2) / 4));
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((v) => v / total);
}

/**
 * A drift report with every kind of column the renderer must handle: numeric
 * (histogram) drifted and not, categorical with "other", a binary z-test, a
 * column with insufficient data and no distribution, a missing-share jump, a
 * must-watch column, and hostile names.
 */
export function sampleDriftReport(): DriftReport {
  const edges = Array.from({ length: 11 }, (_, i) => i * 10);
  return {
    version: 1,
    dataset: {
      drifted: true,
      share: 0.6,
      threshold: 0.5,
      driftedColumns: 3,
      testedColumns: 5,
      mustWatchDrifted: ['monthly_charges'],
      rows: { reference: 5000, current: 4200 },
    },
    columns: [
      {
        name: 'monthly_charges', kind: 'numeric', method: 'wasserstein', status: 'tested', statistic: 0.31, pValue: null, threshold: 0.1,
        drifted: true, mustWatch: true, rows: { reference: 5000, current: 4100 }, missing: { reference: 0, current: 100 }, missingJump: false,
        distribution: { kind: 'histogram', edges, reference: bump(10, 4), current: bump(10, 6) },
      },
      {
        name: 'tenure_months', kind: 'numeric', method: 'ks', status: 'tested', statistic: 0.012, pValue: 0.83, threshold: 0.05,
        drifted: false, mustWatch: false, rows: { reference: 5000, current: 4200 }, missing: { reference: 0, current: 0 }, missingJump: false,
        distribution: { kind: 'histogram', edges: [0, 12, 24, 36, 48, 60, 72], reference: bump(6, 2.5), current: bump(6, 2.6) },
      },
      {
        name: 'plan', kind: 'categorical', method: 'jensenshannon', status: 'tested', statistic: 0.17, pValue: null, threshold: 0.1,
        drifted: true, mustWatch: false, rows: { reference: 4500, current: 2940 }, missing: { reference: 500, current: 1260 }, missingJump: true,
        distribution: {
          kind: 'categories', categories: ['basic', 'premium', 'family'],
          reference: [0.5, 0.3, 0.15], current: [0.3, 0.45, 0.15], other: { reference: 0.05, current: 0.1 },
        },
      },
      {
        name: EVIL_COLUMN, kind: 'categorical', method: 'chisquare', status: 'tested', statistic: 12.5, pValue: 0.0004, threshold: 0.05,
        drifted: true, mustWatch: false, rows: { reference: 5000, current: 4200 }, missing: { reference: 0, current: 0 }, missingJump: false,
        distribution: { kind: 'categories', categories: [EVIL_CATEGORY, 'b&c'], reference: [0.6, 0.4], current: [0.4, 0.6], other: { reference: 0, current: 0 } },
      },
      {
        name: 'is_business', kind: 'categorical', method: 'ztest', status: 'tested', statistic: -0.4, pValue: 0.69, threshold: 0.05,
        drifted: false, mustWatch: false, rows: { reference: 5000, current: 4200 }, missing: { reference: 0, current: 0 }, missingJump: false,
        distribution: { kind: 'categories', categories: ['false', 'true'], reference: [0.7, 0.3], current: [0.69, 0.31], other: { reference: 0, current: 0 } },
      },
      {
        name: 'support_calls', kind: 'numeric', method: null, status: 'insufficient-data', reason: 'only 12 non-missing current rows (minimum 30)',
        statistic: null, pValue: null, threshold: null, drifted: false, mustWatch: false,
        rows: { reference: 5000, current: 12 }, missing: { reference: 0, current: 4188 }, missingJump: true,
      },
    ],
  };
}

const day = (d: number) => new Date(Date.UTC(2025, 2, 1 + d)).toISOString();

/** Three versions over 12 daily windows, v2 promoted on day 4 and v3 on day 9, with label-free estimates for the latest days. */
export function sampleRunReportData(): RunReportData {
  const accuracy = (version: number, from: number, to: number, base: number) => ({
    version, metric: 'accuracy',
    points: Array.from({ length: to - from }, (_, i) => ({ windowStart: day(from + i), windowEnd: day(from + i + 1), value: base - 0.004 * i, rows: 900 + i })),
  });
  return {
    model: 'churn',
    runId: 'retrain-churn-<b>7</b>',
    generatedAt: '2025-03-13T06:00:00.000Z',
    championVersion: 2,
    candidateVersion: 3,
    decision: { promoted: true, summary: 'drift in 3 of 5 features; candidate v3 beats champion v2 on accuracy', reasons: ['dataset drift share 60% ≥ 50%', 'accuracy +0.021 ≥ min improvement 0.01'] },
    drift: { report: sampleDriftReport(), reference: 'churn v2 training snapshot', current: 'prediction log 2025-03-06 → 2025-03-13' },
    metrics: [
      accuracy(1, 0, 4, 0.9),
      accuracy(2, 3, 10, 0.91),
      { ...accuracy(3, 8, 12, 0.93) },
      {
        version: 3, metric: 'accuracy',
        points: [10, 11, 12].map((d) => ({ windowStart: day(d), windowEnd: day(d + 1), value: 0.925, estimated: true, rows: 1500 })),
      },
      { version: 2, metric: 'f1', points: [3, 4, 5].map((d) => ({ windowStart: day(d), windowEnd: day(d + 1), value: 0.8 + d / 100, rows: 900 })) },
      { version: 3, metric: 'f1', points: [9, 10].map((d) => ({ windowStart: day(d), windowEnd: day(d + 1), value: 0.85, rows: 900 })) },
    ],
    promotions: [
      { at: '2025-03-04T12:00:00.000Z', version: 2, from: 1 },
      { at: '2025-03-09T12:00:00.000Z', version: 3, from: 2 },
    ],
    comparison: [
      { metric: 'accuracy', candidate: 0.931, champion: 0.91, holdoutRows: 2000, higherIsBetter: true, decision: 'candidate better by 0.021 (≥ 0.01 required)' },
      { metric: 'log loss', candidate: 0.21, champion: 0.24, holdoutRows: 2000, higherIsBetter: false, decision: 'informational' },
      { metric: 'f1 <macro>', candidate: 0.85, champion: 0.83, holdoutRows: 2000, higherIsBetter: true, decision: 'informational' },
    ],
  };
}
