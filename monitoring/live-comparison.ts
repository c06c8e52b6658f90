import { METRIC_DIRECTION, type MetricName } from '../config/pipeline.js';
import { CanaryConfig, WatchConfig } from '../config/promotion.js';
import { DataError } from '../errors/index.js';
import { score } from '../metrics/index.js';
import type { LoggedPrediction, Registry } from '../registry/types.js';
import { classifierRow, regressorValues } from './logged-values.js';

/**
 * Live comparison of two model versions from the prediction log: a canary
 * (candidate vs champion over the same window, CanaryConfig's rules) or a
 * watch window (the new champion after its promotion vs the previous champion
 * over a window of the same length just before it, WatchConfig's rules).
 * docs/promotion.md describes the rules.
 */

/** What one version did live over one window. */
export interface ArmStats {
  version: number;
  /** Inclusive start, ISO-8601 UTC. */
  since: string;
  /** Exclusive end, ISO-8601 UTC. */
  until: string;
  /** Served requests (a multi-row request counts once). */
  requests: number;
  /** Logged rows (predictions). */
  rows: number;
  /** 95th percentile of the requests' serving latency (ms); null when none was logged. */
  p95LatencyMs: number | null;
  /** Classifiers: mean probability of the predicted (top) class over the rows with probabilities; null otherwise. */
  meanConfidence: number | null;
  /** Rows with a feedback label. */
  labelledRows: number;
  metric: MetricName;
  /** The primary metric on the labelled rows; null when none is labelled. */
  metricValue: number | null;
}

export type LiveVerdict = 'pass' | 'fail' | 'insufficient';

export interface LiveComparison {
  kind: 'canary' | 'watch';
  /** pass: the subject may stay (canary: be promoted); fail: roll it back; insufficient: too little traffic or feedback to judge. */
  verdict: LiveVerdict;
  /** Why, one sentence per rule that was checked or skipped. */
  reasons: string[];
  baseline: ArmStats;
  subject: ArmStats;
}

export type LiveLog = Pick<Registry, 'readPredictions' | 'getVersion'>;

export interface ArmInput {
  model: string;
  version: number;
  since: string;
  until: string;
  metric: MetricName;
}

const PAGE = 5000;

/** Reads one version's predictions in [since, until) page by page and summarises them. */
export async function armStats(log: LiveLog, input: ArmInput): Promise<ArmStats> {
  const { model, version, since, until, metric } = input;
  const card = (await log.getVersion(model, version)).card;
  const classes = (card.classes ?? []).map(String);
  const classifier = card.task !== 'regression';
  const latencyByRequest = new Map<string, number>();
  const requests = new Set<string>();
  let rows = 0;
  let confidenceSum = 0;
  let confidenceRows = 0;
  const truth: string[] = [];
  const predicted: string[] = [];
  const values: number[] = [];
  let after: { at: string; requestId: string } | undefined;
  for (;;) {
    const page: LoggedPrediction[] = await log.readPredictions(model, { version, since, until, limit: PAGE, ...(after ? { after } : {}) });
    for (const p of page) {
      rows++;
      // Rows of one request are logged as `<id>#<row>` (serving/prediction-sinks.ts), each with the request's latency.
      const request = p.requestId.split('#')[0]!;
      requests.add(request);
      if (p.latencyMs !== null && !latencyByRequest.has(request)) latencyByRequest.set(request, p.latencyMs);
      if (classifier) {
        const r = classifierRow(p, classes);
        if (r.probabilities) {
          let top = 0;
          for (let j = 0; j < r.probabilities.length; j++) top = Math.max(top, r.probabilities[j]!);
          confidenceSum += top;
          confidenceRows++;
        }
        if (r.truth !== null) {
          truth.push(r.truth);
          predicted.push(r.predicted);
        }
      } else {
        const r = regressorValues(p);
        if (r.truth !== null) {
          truth.push(String(r.truth));
          values.push(r.predicted);
        }
      }
    }
    if (page.length < PAGE) break;
    const last = page.at(-1)!;
    after = { at: last.at, requestId: last.requestId };
  }
  let metricValue: number | null = null;
  if (truth.length > 0) {
    try {
      metricValue = classifier
        ? score(metric, truth, { kind: 'labels', labels: predicted, classes })
        : score(metric, truth, { kind: 'values', values: Float64Array.from(values) });
    } catch (err) {
      throw new DataError(`${model} v${version}: cannot compute ${metric} on its logged predictions: ${(err as Error).message}`, { model, version });
    }
    if (!Number.isFinite(metricValue)) metricValue = null;
  }
  return {
    version,
    since,
    until,
    requests: requests.size,
    rows,
    p95LatencyMs: percentile([...latencyByRequest.values()], 0.95),
    meanConfidence: classifier && confidenceRows > 0 ? confidenceSum / confidenceRows : null,
    labelledRows: truth.length,
    metric,
    metricValue,
  };
}

/** Nearest-rank percentile; null for no values. */
export function percentile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/** How much worse `subject` is than `baseline` on `metric` (positive: worse), whatever the metric's direction. */
export function metricDrop(metric: MetricName, baseline: number, subject: number): number {
  return METRIC_DIRECTION[metric] === 'higher' ? baseline - subject : subject - baseline;
}

const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(4));

/** CanaryConfig's rules on two arms over the same window. */
export function judgeCanary(rules: CanaryConfig, baseline: ArmStats, subject: ArmStats): Omit<LiveComparison, 'kind' | 'baseline' | 'subject'> {
  const reasons: string[] = [];
  const few = [baseline, subject].filter((a) => a.requests < rules.minRequests);
  if (few.length > 0) {
    for (const a of few) reasons.push(`v${a.version} served ${a.requests} requests, fewer than canary.minRequests (${rules.minRequests})`);
    return { verdict: 'insufficient', reasons };
  }
  let failed = false;
  if (baseline.p95LatencyMs !== null && subject.p95LatencyMs !== null) {
    const limit = baseline.p95LatencyMs * rules.maxLatencyRatio;
    const ok = subject.p95LatencyMs <= limit;
    failed ||= !ok;
    reasons.push(
      `p95 latency v${subject.version} ${fmt(subject.p95LatencyMs)} ms vs v${baseline.version} ${fmt(baseline.p95LatencyMs)} ms: ` +
        (ok ? `within ${rules.maxLatencyRatio}×` : `more than ${rules.maxLatencyRatio}× (canary.maxLatencyRatio)`),
    );
  } else {
    reasons.push('latency not compared: no latency was logged for one of the versions');
  }
  if (baseline.meanConfidence !== null && subject.meanConfidence !== null) {
    const drop = baseline.meanConfidence - subject.meanConfidence;
    const ok = drop <= rules.maxConfidenceDrop;
    failed ||= !ok;
    reasons.push(
      `mean top-class probability v${subject.version} ${fmt(subject.meanConfidence)} vs v${baseline.version} ${fmt(baseline.meanConfidence)}: ` +
        (ok ? `within ${rules.maxConfidenceDrop}` : `lower by more than ${rules.maxConfidenceDrop} (canary.maxConfidenceDrop)`),
    );
  }
  const metricReason = judgeMetric(subject, baseline, rules.minLabelledRows, rules.maxMetricDrop, 'canary');
  if (metricReason.failed) failed = true;
  reasons.push(metricReason.reason);
  return { verdict: failed ? 'fail' : 'pass', reasons };
}

/** WatchConfig's rules: the new champion (subject) against the previous one (baseline) over the same-length window before the promotion. */
export function judgeWatch(rules: WatchConfig, baseline: ArmStats, subject: ArmStats): Omit<LiveComparison, 'kind' | 'baseline' | 'subject'> {
  const few = [subject, baseline].filter((a) => a.labelledRows < rules.minLabelledRows || a.metricValue === null);
  if (few.length > 0) {
    return {
      verdict: 'insufficient',
      reasons: few.map((a) => `v${a.version} has ${a.labelledRows} labelled rows in ${a.since} – ${a.until}, fewer than watch.minLabelledRows (${rules.minLabelledRows}): it is not judged`),
    };
  }
  const m = judgeMetric(subject, baseline, rules.minLabelledRows, rules.maxMetricDrop, 'watch');
  return { verdict: m.failed ? 'fail' : 'pass', reasons: [m.reason] };
}

function judgeMetric(subject: ArmStats, baseline: ArmStats, minLabelled: number, maxDrop: number, section: string): { failed: boolean; reason: string } {
  const metric = subject.metric;
  if (subject.metricValue === null || baseline.metricValue === null || subject.labelledRows < minLabelled || baseline.labelledRows < minLabelled) {
    return {
      failed: false,
      reason: `${metric} not compared: ${subject.labelledRows} and ${baseline.labelledRows} labelled rows (v${subject.version}, v${baseline.version}); ${section}.minLabelledRows is ${minLabelled}`,
    };
  }
  const drop = metricDrop(metric, baseline.metricValue, subject.metricValue);
  const failed = drop > maxDrop;
  return {
    failed,
    reason:
      `${metric} v${subject.version} ${fmt(subject.metricValue)} vs v${baseline.version} ${fmt(baseline.metricValue)} on ${subject.labelledRows} and ${baseline.labelledRows} labelled rows: ` +
      (failed ? `worse by more than ${maxDrop} (${section}.maxMetricDrop)` : `within ${maxDrop}`),
  };
}

export interface CompareLiveInput {
  model: string;
  kind: 'canary' | 'watch';
  metric: MetricName;
  baseline: number;
  subject: number;
  /** ISO start of the canary, or of the promotion (watch). */
  since: string;
  /** ISO end of the window. */
  until: string;
  canary?: CanaryConfig;
  watch?: WatchConfig;
}

/**
 * Reads both arms and judges them. Canary: both over [since, until). Watch:
 * the subject over [since, until), the baseline over the window of the same
 * length that ends at `since` (when the baseline was still the champion).
 */
export async function compareLive(log: LiveLog, input: CompareLiveInput): Promise<LiveComparison> {
  const start = Date.parse(input.since);
  const end = Date.parse(input.until);
  if (!Number.isFinite(start)) throw new DataError(`since must be an ISO-8601 time, not ${JSON.stringify(input.since)}`);
  if (!Number.isFinite(end)) throw new DataError(`until must be an ISO-8601 time, not ${JSON.stringify(input.until)}`);
  if (end <= start) throw new DataError(`until (${input.until}) must be after since (${input.since})`);
  const since = new Date(start).toISOString();
  const until = new Date(end).toISOString();
  const arm = (version: number, from: string, to: string) => armStats(log, { model: input.model, version, since: from, until: to, metric: input.metric });
  if (input.kind === 'canary') {
    const [baseline, subject] = await Promise.all([arm(input.baseline, since, until), arm(input.subject, since, until)]);
    return { kind: 'canary', ...judgeCanary(input.canary ?? CANARY_DEFAULTS, baseline, subject), baseline, subject };
  }
  const before = new Date(start - (end - start)).toISOString();
  const [baseline, subject] = await Promise.all([arm(input.baseline, before, since), arm(input.subject, since, until)]);
  return { kind: 'watch', ...judgeWatch(input.watch ?? WATCH_DEFAULTS, baseline, subject), baseline, subject };
}

/** The documented defaults, for a pipeline whose promotion section names neither. */
const CANARY_DEFAULTS = CanaryConfig.parse({});
const WATCH_DEFAULTS = WatchConfig.parse({});
