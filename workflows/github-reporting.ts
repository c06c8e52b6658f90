import { isCancellation, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { PassTrigger } from '../config/pipeline-run.js';
import type { PassSummary } from './summary.js';

/**
 * Workflow side of reporting a pass back to GitHub (deterministic code: the
 * GitHub calls are the `reportToGitHub` activity). A pass creates one
 * reporter and calls `update(summary)` at its start, after each stage and at
 * the end. Reporting is for people: a GitHub outage must never fail or undo a
 * pass, above all one that already moved the champion alias, so `update`
 * never throws — its final failure (after the activity's own retries) is
 * returned and kept in `state` for the pass summary, and the next update
 * tries again. The one exception is the workflow's own cancellation, which
 * must stop the pass.
 */

/** Where reporting stands, for the pass summary. */
export type GithubReportState =
  | { status: 'reported'; checkRunId: number }
  | { status: 'failed'; reason: string; checkRunId: number | null };

export interface GithubReporter {
  /** False when the pass was not triggered from GitHub: `update` does nothing. */
  readonly enabled: boolean;
  /** The last update's outcome; null before the first (and always when not enabled). */
  readonly state: GithubReportState | null;
  /** Reports the summary as it stands; resolves to the new state (null when not enabled), never rejects (except on cancellation). */
  update(summary: PassSummary): Promise<GithubReportState | null>;
}

/** The activity's retry policy: rate limits and 5xx are retried (a rate limit waits as GitHub asks, at most a minute), other 4xx answers are not. */
export const GITHUB_REPORT_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
};

export function createGithubReporter(
  trigger: PassTrigger | undefined,
  ids: { workflowId: string; runId: string },
  options: { activity?: ActivityOptions } = {},
): GithubReporter {
  if (trigger?.kind !== 'github') {
    return { enabled: false, state: null, update: async () => null };
  }
  const { reportToGitHub } = proxyActivities<Activities>(options.activity ?? GITHUB_REPORT_ACTIVITY_OPTIONS);
  let checkRunId: number | null = null;
  let state: GithubReportState | null = null;
  return {
    enabled: true,
    get state() {
      return state;
    },
    async update(summary: PassSummary): Promise<GithubReportState> {
      try {
        const res = await reportToGitHub({ trigger, workflowId: ids.workflowId, runId: ids.runId, summary, checkRunId });
        checkRunId = res.checkRunId;
        state = { status: 'reported', checkRunId };
      } catch (err) {
        if (isCancellation(err)) throw err;
        state = { status: 'failed', reason: innermostMessage(err), checkRunId };
      }
      return state;
    },
  };
}

/** The activity's own words, not Temporal's "Activity task failed" wrapper. */
function innermostMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e && e.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
