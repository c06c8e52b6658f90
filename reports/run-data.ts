import { z } from 'zod';
import { DriftReport } from '../drift/report.js';
import { CHAMPION, type AliasMove } from '../registry/types.js';

/**
 * What a pipeline-run report shows, as the pipeline fills it in: the drift
 * check, the metrics over time of every version, the champion's promotions,
 * and the candidate-vs-champion evaluation with its decision. The renderer
 * validates it (a bad field is a ConfigError naming it), so the stores behind
 * it may change without the report changing.
 */

const Timestamp = z.iso.datetime({ offset: true });
const Version = z.number().int().min(1);

/** One metric value over one time window of one version. */
export const MetricPoint = z.strictObject({
  windowStart: Timestamp,
  windowEnd: Timestamp,
  value: z.number(),
  /** A label-free estimate (confidence-based) rather than the realised metric. */
  estimated: z.boolean().optional(),
  /** Rows in the window (labelled rows for a realised metric). */
  rows: z.number().int().min(0),
});
export type MetricPoint = z.infer<typeof MetricPoint>;

/** One metric of one version over time. */
export const MetricSeries = z.strictObject({
  version: Version,
  metric: z.string().min(1),
  points: z.array(MetricPoint),
});
export type MetricSeries = z.infer<typeof MetricSeries>;

/** The champion alias moved to `version` at `at` (from `from`, when there was one). */
export const Promotion = z.strictObject({
  at: Timestamp,
  version: Version,
  from: Version.nullable().optional(),
});
export type Promotion = z.infer<typeof Promotion>;

/** One metric of the candidate against the champion on the same holdout. */
export const CandidateComparison = z.strictObject({
  metric: z.string().min(1),
  candidate: z.number(),
  /** Null when there is no champion yet. */
  champion: z.number().nullable(),
  holdoutRows: z.number().int().min(0),
  /** Whether a larger value is better (accuracy) or worse (log loss, RMSE); shown beside the numbers. */
  higherIsBetter: z.boolean().optional(),
  /** This metric's verdict in words, e.g. "candidate better by 0.021 (≥ 0.01 required)". */
  decision: z.string().min(1),
});
export type CandidateComparison = z.infer<typeof CandidateComparison>;

export const RunDecision = z.strictObject({
  /** Whether the candidate became champion in this run. */
  promoted: z.boolean(),
  /** One line for people, e.g. "drift in 3 of 5 features; candidate v4 beats champion v3 on f1". */
  summary: z.string().min(1),
  /** The rules that fired or held, one per line. */
  reasons: z.array(z.string()).optional(),
});
export type RunDecision = z.infer<typeof RunDecision>;

export const RunReportData = z.strictObject({
  model: z.string().min(1),
  runId: z.string().min(1).optional(),
  title: z.string().optional(),
  generatedAt: Timestamp.optional(),
  startedAt: Timestamp.optional(),
  finishedAt: Timestamp.optional(),
  championVersion: Version.nullable().optional(),
  candidateVersion: Version.nullable().optional(),
  decision: RunDecision,
  drift: z
    .strictObject({
      report: DriftReport,
      /** Where the reference and current windows came from (file, snapshot, time range…). */
      reference: z.string().optional(),
      current: z.string().optional(),
    })
    .optional(),
  metrics: z.array(MetricSeries).default([]),
  promotions: z.array(Promotion).default([]),
  comparison: z.array(CandidateComparison).default([]),
});
export type RunReportData = z.input<typeof RunReportData>;
export type ParsedRunReportData = z.infer<typeof RunReportData>;

/**
 * The champion's promotions from the registry's alias history
 * (`registry.aliasHistory(model, 'champion')`), oldest first; `since` keeps
 * the ones at or after it (so a chart's time axis is not stretched by old ones).
 */
export function promotionsFromAliasHistory(moves: readonly AliasMove[], opts: { since?: string } = {}): Promotion[] {
  const since = opts.since === undefined ? -Infinity : Date.parse(opts.since);
  return moves
    .filter((m) => m.alias === CHAMPION && Date.parse(m.movedAt) >= since)
    .map((m) => ({ at: new Date(m.movedAt).toISOString(), version: m.toVersion, from: m.fromVersion }))
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** A stored metric window (the registry's MetricWindow), as far as a chart needs it. */
export interface MetricWindowLike {
  version: number;
  metric: string;
  kind: 'realised' | 'estimated';
  windowStart: string;
  windowEnd: string;
  value: number | null;
  rows: number;
  labelledRows: number;
}

/**
 * Metric windows (`registry.listMetricWindows(model)`) as one series per
 * version and metric. A window without a value is left out (no point rather
 * than a fake zero); a realised point counts its labelled rows, an estimate
 * all the rows it was estimated on.
 */
export function metricSeriesFromWindows(windows: readonly MetricWindowLike[]): MetricSeries[] {
  const series = new Map<string, MetricSeries>();
  for (const w of windows) {
    if (w.value === null || !Number.isFinite(w.value)) continue;
    const key = `${w.version}\u0000${w.metric}`;
    let s = series.get(key);
    if (!s) series.set(key, (s = { version: w.version, metric: w.metric, points: [] }));
    s.points.push({
      windowStart: new Date(w.windowStart).toISOString(),
      windowEnd: new Date(w.windowEnd).toISOString(),
      value: w.value,
      estimated: w.kind === 'estimated',
      rows: w.kind === 'estimated' ? w.rows : w.labelledRows,
    });
  }
  for (const s of series.values()) s.points.sort((a, b) => Date.parse(a.windowEnd) - Date.parse(b.windowEnd));
  return [...series.values()].sort((a, b) => a.metric.localeCompare(b.metric) || a.version - b.version);
}
