import { join } from 'node:path';
import { METRIC_DIRECTION, primaryMetric, type PipelineConfig } from '../config/pipeline.js';
import { ReportFiles, renderRunReportHtml, type RunReportData } from '../reports/index.js';
import { metricSeriesFromWindows, promotionsFromAliasHistory } from '../reports/run-data.js';
import type { PassSummary } from '../workflows/summary.js';
import { asActivity } from './failures.js';
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
        comparison: evaluation
          ? [
              {
                metric: evaluation.metric,
                candidate: evaluation.candidate,
                champion: evaluation.champion,
                holdoutRows: evaluation.holdoutRows,
                higherIsBetter: METRIC_DIRECTION[evaluation.metric] === 'higher',
                decision: evaluation.won
                  ? `candidate better by at least the margin ${evaluation.margin}`
                  : `candidate not better by the margin ${evaluation.margin}: champion stays`,
              },
            ]
          : [],
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
    default:
      return 'in progress';
  }
}
