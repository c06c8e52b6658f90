import { join } from 'node:path';
import { primaryMetric, type PipelineConfig } from '../config/pipeline.js';
import { higherIsBetter } from '../evaluation/direction.js';
import { ReportFiles, renderRunReportHtml, type CandidateComparison, type RunReportData } from '../reports/index.js';
import { metricSeriesFromWindows, promotionsFromAliasHistory } from '../reports/run-data.js';
import type { PassSummary } from '../workflows/summary.js';
import { asActivity } from './failures.js';
import type { EvaluateResult } from './evaluate.js';
import type { ActivityDeps } from './shared.js';

export interface ReportRunInput {
  pipeline: PipelineConfig;
  summary: PassSummary;
}

export interface ReportRunResult {
  /** The report's id under /reports (the dashboard of `driftloop serve` and `driftloop dashboard`). */
  id: string;
  href: string;
}

/** How far back the metric-over-time charts reach. */
const HISTORY_DAYS = 90;

export function createReportRun({ registry, home }: ActivityDeps) {
  const files = new ReportFiles(join(home, 'reports'));
  /**
   * Writes the pass's HTML report: the drift check, the primary metric over
   * time per version with the champion's promotions, and candidate vs
   * champion. Named after the run, so a retried attempt replaces its own file.
   */
  return function reportRun({ pipeline, summary }: ReportRunInput): Promise<ReportRunResult> {
    return asActivity(async () => {
      const metric = primaryMetric(pipeline);
      const since = new Date(Date.now() - HISTORY_DAYS * 86_400_000).toISOString();
      const [windows, moves] = await Promise.all([
        registry.listMetricWindows(pipeline.model, { since, metric }),
        registry.aliasHistory(pipeline.model, 'champion'),
      ]);
      const st = summary.stages;
      const drift = st.drift.status === 'done' ? await registry.getDriftReport(st.drift.result.reportId) : null;
      const champion = st.monitor.status === 'done' && st.monitor.result.status === 'measured' ? st.monitor.result.champion.version : null;
      const promoted = st.promote.status === 'done' ? st.promote.result : null;
      const evaluation = st.evaluate.status === 'done' ? st.evaluate.result : null;
      const data: RunReportData = {
        model: pipeline.model,
        runId: summary.runId,
        title: `${pipeline.model}: pass ${summary.runId}`,
        generatedAt: new Date().toISOString(),
        championVersion: champion,
        candidateVersion: promoted?.version ?? null,
        decision: {
          promoted: promoted?.promoted ?? false,
          summary: decisionLine(summary),
          reasons: summary.retrainReasons.map((r) => REASON_TEXT[r]),
        },
        drift: drift
          ? { report: drift.report, reference: `training data of version ${drift.version}`, current: st.drift.status === 'done' ? st.drift.result.window : undefined }
          : undefined,
        metrics: metricSeriesFromWindows(windows),
        promotions: promotionsFromAliasHistory(moves, { since }),
        comparison: evaluation ? comparisonRows(evaluation) : [],
      };
      const { id } = await files.save({
        model: pipeline.model,
        kind: 'run',
        name: `run-${summary.runId}`,
        html: renderRunReportHtml(data),
        drifted: st.drift.status === 'done' ? st.drift.result.detected : undefined,
        title: data.title,
      });
      return { id, href: `/reports/${id}` };
    });
  };
}

const REASON_TEXT: Record<PassSummary['retrainReasons'][number], string> = {
  'no-champion': 'no champion yet: the first version was trained and promoted',
  drift: 'the data set drifted',
  'metric-below-threshold': "the champion's metric fell below monitor.threshold",
  'performance-degraded': 'a monitor.degradation rule fired',
  forced: 'the pass was forced',
};

function decisionLine(s: PassSummary): string {
  switch (s.decision) {
    case 'bootstrapped':
      return 'bootstrapped: the first version was trained and became champion';
    case 'promoted':
      return 'promoted: the candidate beat the champion and became champion';
    case 'kept-champion':
      return 'kept the champion: the candidate did not beat it by the margin';
    case 'no-retrain':
      return 'no retrain: no drift, metric within threshold and rules';
    case 'rejected':
      return s.approval?.status === 'timed-out'
        ? `rejected: nobody approved the candidate before ${s.approval.deadline}`
        : `rejected${s.approval?.status === 'rejected' ? ` by ${s.approval.by}${s.approval.comment ? ` (${s.approval.comment})` : ''}` : ''}: the champion stays`;
    case 'failed-sandbox':
      return `failed the serving sandbox: ${s.sandbox?.reasons.join('; ') ?? 'see the sandbox checks'}; the champion stays`;
    case 'canary-failed':
      return `canary withdrawn (${s.canary?.comparison?.verdict ?? 'not judged'}): ${s.canary?.comparison?.reasons.join('; ') ?? ''}; the champion stays`;
    case 'rolled-back':
      return `promoted, then rolled back in the watch window: ${s.watch?.comparison.reasons.join('; ') ?? ''}`;
    default:
      return 'in progress';
  }
}

/**
 * One row per metric both models were scored with on the holdout rows, the
 * primary metric first with the overall verdict; other metrics carry their
 * gate's verdict when one applies (results recorded before the gates existed
 * have only the primary metric).
 */
function comparisonRows(e: EvaluateResult): CandidateComparison[] {
  const failed = (e.gates ?? []).filter((g) => !g.passed).map((g) => g.name);
  const primary: CandidateComparison = {
    metric: e.metric,
    candidate: e.candidate,
    champion: e.champion,
    holdoutRows: e.holdoutRows,
    higherIsBetter: higherIsBetter(e.metric),
    decision: e.won
      ? `candidate passed every gate (better by at least the margin ${e.margin})`
      : `champion stays: failed ${failed.join(', ') || 'the margin ' + e.margin}`,
  };
  const gateOf = (metric: string) => (e.gates ?? []).filter((g) => g.name === `floor:${metric}` || g.name === `max-regression:${metric}`);
  const others = (e.metrics ?? [])
    .filter((m) => m.name !== e.metric && m.candidate !== null)
    .map((m): CandidateComparison => {
      const gates = gateOf(m.name);
      return {
        metric: m.name,
        candidate: m.candidate!,
        champion: m.champion,
        holdoutRows: e.holdoutRows,
        higherIsBetter: higherIsBetter(m.name),
        decision: gates.length ? gates.map((g) => `${g.passed ? 'passed' : 'FAILED'} ${g.name}: ${g.detail}`).join('; ') : 'no gate on this metric',
      };
    });
  return [primary, ...others];
}
