import { ApplicationFailure } from '@temporalio/common';
import type { GithubTrigger } from '../config/pipeline-run.js';
import { ConfigError, DriftloopError, GithubApiError } from '../errors/index.js';
import { githubApiError } from '../github/api-errors.js';
import { GithubClient, DEFAULT_GITHUB_API, type RepoRef } from '../github/client.js';
import { conclusionOf, passMarkdown, promotedVersion, stageList, titleOf, decisionText, clip } from '../github/pass-markdown.js';
import type { PassSummary } from '../workflows/summary.js';
import type { ActivityDeps, GithubReporting } from './shared.js';

export interface ReportToGitHubInput {
  trigger: GithubTrigger;
  workflowId: string;
  runId: string;
  summary: PassSummary;
  /** The check run an earlier call created; null on the first call. */
  checkRunId: number | null;
  /** The pass's report: a dashboard path (`/reports/…`, made absolute with DRIFTLOOP_REPORT_BASE_URL) or an absolute URL. */
  reportUrl?: string;
}

export interface ReportToGitHubResult {
  checkRunId: number;
}

/** Longest wait a rate limit may impose on one retry: the pass waits on its report, and later updates will try again anyway. */
const MAX_RATE_LIMIT_WAIT_SECONDS = 60;

/**
 * The worker's GitHub settings from its environment: a client when
 * DRIFTLOOP_GITHUB_TOKEN is set (null otherwise: only GitHub-triggered passes
 * need it, and they fail their report with a clear error), and the base URL
 * that makes report paths links.
 */
export function githubReportingFromEnv(env: NodeJS.ProcessEnv = process.env): GithubReporting {
  const base = env.DRIFTLOOP_REPORT_BASE_URL?.trim();
  if (base) {
    let url: URL | null = null;
    try {
      url = new URL(base);
    } catch {
      url = null;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol)) {
      throw new ConfigError(`DRIFTLOOP_REPORT_BASE_URL must be an absolute http(s) URL, not ${JSON.stringify(base)}`, { field: 'DRIFTLOOP_REPORT_BASE_URL' });
    }
  }
  const token = env.DRIFTLOOP_GITHUB_TOKEN;
  return {
    client: token ? new GithubClient({ token, baseUrl: env.DRIFTLOOP_GITHUB_API_URL || DEFAULT_GITHUB_API }) : null,
    ...(base ? { reportBaseUrl: base } : {}),
  };
}

export function checkRunName(model: string): string {
  return `driftloop: ${model}`;
}

/** The hidden line that marks a pass's reply comment, so a retried call finds it instead of answering twice. */
export function commentMarker(runId: string): string {
  return `<!-- driftloop-run:${runId} -->`;
}

export function createReportToGitHub({ github }: ActivityDeps) {
  /**
   * Reports a GitHub-triggered pass back to GitHub: creates (first call) or
   * updates its check run on the triggering commit — in progress with the
   * stage list until the pass decides, then completed with the summary
   * tables — and once decided, for a promotion a Deployment to the model's
   * environment with a success status, and for a `/retrain` comment a reply.
   * Every write is idempotent (found again by the run id), so the activity
   * can be retried as a whole: rate limits and 5xx answers are retryable,
   * other 4xx answers are not.
   */
  return async function reportToGitHub(input: ReportToGitHubInput): Promise<ReportToGitHubResult> {
    try {
      const client = github?.client;
      if (!client) {
        throw new ConfigError('cannot report to GitHub: DRIFTLOOP_GITHUB_TOKEN is not set in the worker\'s environment (a token with checks, deployments and issues write access)', { field: 'DRIFTLOOP_GITHUB_TOKEN' });
      }
      return await report(client, github?.reportBaseUrl, input);
    } catch (err) {
      throw toFailure(err);
    }
  };
}

async function report(client: GithubClient, reportBaseUrl: string | undefined, input: ReportToGitHubInput): Promise<ReportToGitHubResult> {
  const { trigger, summary, runId } = input;
  const [owner, repo] = trigger.repository.split('/') as [string, string];
  const ref: RepoRef = { owner, repo };
  const call = async <T>(what: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (err) {
      throw githubApiError(err, what);
    }
  };
  const link = reportLink(input.reportUrl ?? (summary.report?.status === 'written' ? summary.report.href : undefined), reportBaseUrl);
  const name = checkRunName(summary.model);
  const run = `workflow ${input.workflowId}, run ${runId} · triggered by ${trigger.event}${trigger.sender ? ` from @${trigger.sender}` : ''}`;
  const decided = summary.decision !== null;
  const output = decided
    ? { title: titleOf(summary), summary: passMarkdown(summary, { reportLink: link.text, run }) }
    : { title: titleOf(summary), summary: clip(`${stageList(summary)}\n\n<sub>${run}</sub>`) };

  const state = decided ? ({ status: 'completed', conclusion: conclusionOf(summary.decision!) } as const) : ({ status: 'in_progress' } as const);
  let checkRunId = input.checkRunId;
  let checkRunUrl: string | null = null;
  let created = false;
  if (checkRunId === null) {
    // A retried first call may have created the run before failing: find it by the run id instead of creating a second.
    const existing = await call(`listing check runs on ${trigger.sha}`, () => client.findCheckRun(ref, trigger.sha, { name, externalId: runId }));
    if (existing) {
      checkRunId = existing.id;
    } else {
      const run = await call(`creating check run "${name}" on ${trigger.sha}`, () =>
        client.createCheckRun(ref, { name, headSha: trigger.sha, externalId: runId, ...state, output, ...(link.url ? { detailsUrl: link.url } : {}) }),
      );
      checkRunId = run.id;
      checkRunUrl = run.htmlUrl;
      created = true;
    }
  }
  if (!created) {
    const id = checkRunId;
    const updated = await call(`updating check run ${id}`, () => client.updateCheckRun(ref, id, { ...state, output, ...(link.url ? { detailsUrl: link.url } : {}) }));
    checkRunUrl = updated.htmlUrl;
  }
  // A promotion is a deployment as soon as the alias moved (a watch window may still follow); a rollback marks it failed.
  const version = promotedVersion(summary);
  if (version !== null) {
    const environment = summary.model;
    const rolledBack = summary.decision === 'rolled-back';
    const desired = rolledBack ? 'failure' : 'success';
    const mine = await call(`listing deployments of ${trigger.sha}`, () =>
      client.findDeployments(ref, { sha: trigger.sha, environment, match: (p) => p.runId === runId }),
    );
    const deploymentId =
      mine[0]?.id ??
      (
        await call(`creating a deployment of ${trigger.sha} to ${environment}`, () =>
          client.createDeployment(ref, { ref: trigger.sha, environment, description: `${summary.model} version ${version} (driftloop run ${runId})`, payload: { runId, version } }),
        )
      ).id;
    const states = await call(`listing statuses of deployment ${deploymentId}`, () => client.deploymentStates(ref, deploymentId));
    // Newest first: a retried or repeated call finds its status already there.
    if (states[0] !== desired) {
      await call(`setting deployment ${deploymentId} to ${desired}`, () =>
        client.createDeploymentStatus(ref, deploymentId, {
          state: desired,
          description: rolledBack ? `version ${version} rolled back: it did worse live than the champion it replaced` : `version ${version} is champion`,
          ...(link.url ? { logUrl: link.url } : {}),
        }),
      );
    }
  }
  if (!decided) return { checkRunId };

  if (trigger.issueNumber !== undefined) {
    const marker = commentMarker(runId);
    const existing = await call(`listing comments of #${trigger.issueNumber}`, () => client.findIssueComment(ref, trigger.issueNumber!, marker));
    if (!existing) {
      const body = [
        marker,
        `**driftloop** pass of \`${summary.model}\`${trigger.sender ? ` (asked by @${trigger.sender})` : ''}: **${decisionText(summary)}**.`,
        ...(checkRunUrl ? [`Check run: ${checkRunUrl}`] : []),
        '',
        passMarkdown(summary, { reportLink: link.text, run }),
      ].join('\n');
      await call(`commenting on #${trigger.issueNumber}`, () => client.createIssueComment(ref, trigger.issueNumber!, clip(body)));
    }
  }
  return { checkRunId };
}

/** The report as a link: absolute when it is, or when a base URL is configured; otherwise its dashboard path in the text only. */
function reportLink(href: string | undefined, base: string | undefined): { url: string | null; text: string | null } {
  if (!href) return { url: null, text: null };
  if (/^https?:\/\//.test(href)) return { url: href, text: href };
  if (base) {
    const url = new URL(href.replace(/^\/+/, ''), base.endsWith('/') ? base : `${base}/`).toString();
    return { url, text: url };
  }
  return { url: null, text: `\`${href}\` on the driftloop dashboard (\`driftloop serve\`; set DRIFTLOOP_REPORT_BASE_URL on the worker for a link)` };
}

/** Typed errors as Temporal failures; a rate limit asks for the next attempt when GitHub said (capped). */
function toFailure(err: unknown): unknown {
  if (!(err instanceof DriftloopError)) return err;
  const wait = err instanceof GithubApiError && err.retryAfterSeconds !== null ? Math.min(err.retryAfterSeconds, MAX_RATE_LIMIT_WAIT_SECONDS) : null;
  return ApplicationFailure.create({
    message: err.message,
    type: err.name,
    nonRetryable: !err.retryable,
    details: [{ code: err.code, ...err.details }],
    ...(wait !== null ? { nextRetryDelay: `${wait} seconds` } : {}),
  });
}
