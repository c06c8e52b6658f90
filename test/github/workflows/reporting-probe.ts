// A test-only workflow bundle: drives the workflow-side GitHub reporter the
// way a pass does (one update per summary), without the rest of a pass.
import { workflowInfo } from '@temporalio/workflow';
import type { PassTrigger } from '../../../config/pipeline-run.js';
import { createGithubReporter, type GithubReportState } from '../../../workflows/github-reporting.js';
import type { PassSummary } from '../../../workflows/summary.js';

export async function githubReportingProbe(trigger: PassTrigger | undefined, summaries: PassSummary[]): Promise<{ enabled: boolean; states: (GithubReportState | null)[]; final: GithubReportState | null }> {
  const { workflowId, runId } = workflowInfo();
  const reporter = createGithubReporter(trigger, { workflowId, runId });
  const states: (GithubReportState | null)[] = [];
  for (const s of summaries) states.push(await reporter.update({ ...s, runId }));
  return { enabled: reporter.enabled, states, final: reporter.state };
}
