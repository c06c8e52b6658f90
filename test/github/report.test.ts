import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRunName, commentMarker, createReportToGitHub, githubReportingFromEnv, type ReportToGitHubInput } from '../../activities/github-report.js';
import { startPass, waitForPass } from '../../client/pass.js';
import type { GithubTrigger } from '../../config/pipeline-run.js';
import { GithubClient } from '../../github/client.js';
import { conclusionOf } from '../../github/pass-markdown.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import type { PassSummary } from '../../workflows/summary.js';
import { exampleProject } from '../support/example.js';
import { GithubStandIn } from '../support/github-stand-in.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * The reportToGitHub activity against the GitHub stand-in, fed with the
 * summaries of real passes (a bootstrap, then a forced retrain on drifted
 * data) run on the real Temporal dev server.
 */

const REPO = 'acme/models';
let h: Harness;
let gh: GithubStandIn;
let registry: SqlRegistry;
let bootstrapped: PassSummary;
let retrained: PassSummary;
let model: string;

type Report = (input: ReportToGitHubInput) => Promise<{ checkRunId: number }>;
let report: Report;

beforeAll(async () => {
  h = await startHarness();
  gh = await new GithubStandIn().start();
  const project = await exampleProject();
  model = project.model;
  bootstrapped = await waitForPass(await startPass(h.client, project.steady, { taskQueue: h.taskQueue }));
  retrained = await waitForPass(await startPass(h.client, project.drifted, { taskQueue: h.taskQueue, force: true }));
  registry = await openSqliteRegistry(await mkdtemp(join(tmpdir(), 'driftloop-ghreport-')));
  report = createReportToGitHub({ registry, home: h.home, github: { client: new GithubClient({ token: 'test-token', baseUrl: gh.url }), reportBaseUrl: 'https://driftloop.example.com/dash/' } });
}, 120_000);
afterAll(async () => {
  await registry?.close();
  await gh?.stop();
  await h?.stop();
});

const sha = () => randomUUID().replace(/-/g, '').padEnd(40, '0');
const trigger = (over: Partial<GithubTrigger> = {}): GithubTrigger => ({ kind: 'github', repository: REPO, sha: sha(), event: 'push', deliveryId: randomUUID(), sender: 'pat', ...over });

/** The summary as it stood while `stage` ran: nothing decided yet. */
function inProgress(s: PassSummary, stage: 'monitor' | 'drift'): PassSummary {
  return {
    ...s,
    stage,
    decision: null,
    stages: { ...s.stages, ...(stage === 'monitor' ? { monitor: { status: 'running' as const }, drift: { status: 'pending' as const } } : { drift: { status: 'running' as const } }), retrain: { status: 'pending' }, evaluate: { status: 'pending' }, promote: { status: 'pending' } },
  };
}

const input = (t: GithubTrigger, summary: PassSummary, checkRunId: number | null): ReportToGitHubInput => ({ trigger: t, workflowId: `retrain-${model}`, runId: summary.runId, summary, checkRunId });

function since(mark: number) {
  return gh.calls.slice(mark).map((c) => `${c.method} ${c.path}`);
}

describe('reportToGitHub (activity) against the GitHub stand-in', () => {
  it('creates the check run in progress with the stage list, updates it, completes it with the summary; a promotion gets a deployment with a success status', async () => {
    expect(bootstrapped.decision).toBe('bootstrapped');
    const t = trigger();
    const first = await report(input(t, inProgress(bootstrapped, 'monitor'), null));
    const [run] = gh.checkRunsOn(t.sha);
    expect(gh.checkRunsOn(t.sha)).toHaveLength(1);
    expect(run).toMatchObject({ id: first.checkRunId, name: checkRunName(model), external_id: bootstrapped.runId, status: 'in_progress', conclusion: null });
    expect((run!.output as { title: string }).title).toBe(`${model}: monitor…`);
    expect((run!.output as { summary: string }).summary).toMatch(/⏳ \*\*monitor\*\* — running/);

    let mark = gh.calls.length;
    const second = await report(input(t, inProgress(bootstrapped, 'drift'), first.checkRunId));
    expect(second.checkRunId).toBe(first.checkRunId);
    expect(since(mark)).toEqual([`PATCH /repos/acme/models/check-runs/${first.checkRunId}`]);
    expect(gh.calls.at(-1)!.body).toMatchObject({ status: 'in_progress', output: { title: `${model}: drift…` } });

    mark = gh.calls.length;
    await report(input(t, bootstrapped, first.checkRunId));
    const done = gh.checkRuns.get(first.checkRunId)!;
    expect(done).toMatchObject({ status: 'completed', conclusion: 'success', details_url: `https://driftloop.example.com/dash${bootstrapped.report!.status === 'written' ? bootstrapped.report!.href : ''}` });
    const output = done.output as { title: string; summary: string };
    expect(output.title).toBe(`${model}: bootstrapped version 1`);
    expect(output.summary).toContain('**Decision**: bootstrapped');
    expect(output.summary).toContain('📄 Report: https://driftloop.example.com/dash/reports/');
    const version = bootstrapped.stages.promote.status === 'done' ? bootstrapped.stages.promote.result.version : -1;
    const deployments = [...gh.deployments.values()].filter((d) => d.sha === t.sha);
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({ ref: t.sha, environment: model, payload: { runId: bootstrapped.runId, version } });
    expect(gh.deploymentStatuses.get(deployments[0]!.id as number)!.map((s) => s.state)).toEqual(['success']);
    const dep = deployments[0]!.id as number;
    expect(since(mark)).toEqual([
      `PATCH /repos/acme/models/check-runs/${first.checkRunId}`,
      'GET /repos/acme/models/deployments',
      'POST /repos/acme/models/deployments',
      `GET /repos/acme/models/deployments/${dep}/statuses`,
      `POST /repos/acme/models/deployments/${dep}/statuses`,
    ]);
    // No issue: no comment.
    expect(gh.comments.size).toBe(0);

    // Repeated (a retried activity, or the workflow's next update): no second deployment nor status.
    mark = gh.calls.length;
    await report(input(t, bootstrapped, first.checkRunId));
    expect([...gh.deployments.values()].filter((d) => d.sha === t.sha)).toHaveLength(1);
    expect(gh.deploymentStatuses.get(dep)).toHaveLength(1);
    expect(since(mark).filter((c) => c.startsWith('POST'))).toEqual([]);
  });

  it('a promotion is a deployment while the watch window runs; a rollback adds a failure status and fails the check run', async () => {
    expect(retrained.stages.promote).toMatchObject({ status: 'done', result: { promoted: true } });
    const t = trigger();
    const watching: PassSummary = { ...retrained, stage: 'watch' as PassSummary['stage'], decision: null };
    const { checkRunId } = await report(input(t, watching, null));
    const [dep] = [...gh.deployments.values()].filter((d) => d.sha === t.sha);
    expect(dep).toMatchObject({ environment: model, payload: { runId: retrained.runId } });
    expect(gh.deploymentStatuses.get(dep!.id as number)!.map((s) => s.state)).toEqual(['success']);
    expect(gh.checkRuns.get(checkRunId)).toMatchObject({ status: 'in_progress', output: { title: `${model}: watch…` } });

    const rolledBack = { ...retrained, decision: 'rolled-back' } as PassSummary;
    await report(input(t, rolledBack, checkRunId));
    await report(input(t, rolledBack, checkRunId));
    expect([...gh.deployments.values()].filter((d) => d.sha === t.sha)).toHaveLength(1);
    expect(gh.deploymentStatuses.get(dep!.id as number)!.map((s) => s.state)).toEqual(['success', 'failure']);
    expect(gh.checkRuns.get(checkRunId)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect((gh.checkRuns.get(checkRunId)!.output as { summary: string }).summary).toContain('rolled back: the promoted version did worse live');
  });

  it('conclusions: success when the pass did its job, failure for a defective or rolled-back candidate, neutral otherwise', () => {
    const of = (ds: string[]) => ds.map(conclusionOf);
    expect(of(['promoted', 'bootstrapped', 'no-retrain'])).toEqual(['success', 'success', 'success']);
    expect(of(['failed-sandbox', 'rolled-back'])).toEqual(['failure', 'failure']);
    expect(of(['kept-champion', 'rejected', 'canary-failed'])).toEqual(['neutral', 'neutral', 'neutral']);
  });

  it('a retried first call finds the check run it created (external_id = run id) instead of creating a second', async () => {
    const t = trigger();
    const s = inProgress(bootstrapped, 'monitor');
    const a = await report(input(t, s, null));
    const b = await report(input(t, s, null));
    expect(b.checkRunId).toBe(a.checkRunId);
    expect(gh.checkRunsOn(t.sha)).toHaveLength(1);
    // Another run of the same model on the same commit is its own check run.
    const c = await report({ ...input(t, s, null), runId: 'another-run' });
    expect(c.checkRunId).not.toBe(a.checkRunId);
    expect(gh.checkRunsOn(t.sha).map((r) => r.external_id)).toEqual([bootstrapped.runId, 'another-run']);
  });

  it('a /retrain trigger gets one reply comment with the hidden run marker, also when reported twice', async () => {
    gh.setPull(REPO, 31, sha());
    const t = trigger({ event: 'issue_comment', issueNumber: 31, sender: 'writer' });
    const first = await report(input(t, inProgress(retrained, 'drift'), null));
    expect(gh.commentsOn(31)).toHaveLength(0); // no reply before the pass decided
    await report(input(t, retrained, first.checkRunId));
    await report(input(t, retrained, first.checkRunId));
    const comments = gh.commentsOn(31);
    expect(comments).toHaveLength(1);
    const body = String(comments[0]!.body);
    expect(body.startsWith(commentMarker(retrained.runId))).toBe(true);
    expect(body).toContain(`pass of \`${model}\` (asked by @writer)`);
    expect(body).toContain(`Check run: https://github.com/acme/models/runs/${first.checkRunId}`);
    // The forced retrain on drifted data carries the drift table and candidate vs champion.
    expect(body).toMatch(/\*\*Drift detected\*\*|\*\*No drift\*\*/);
    expect(body).toContain('| metric | candidate | champion | difference | gates |');
    expect(gh.checkRuns.get(first.checkRunId)).toMatchObject({ status: 'completed', conclusion: conclusionOf(retrained.decision!) });
  });

  it('a 5xx or a rate limit is a retryable failure (the rate limit asks for the next attempt when GitHub said); the next attempt succeeds', async () => {
    const t = trigger();
    gh.failNext(1, { kind: 'server-error', status: 502 });
    const err = await report(input(t, inProgress(bootstrapped, 'monitor'), null)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'GithubApiError', nonRetryable: false });
    expect((err as Error).message).toMatch(/GitHub failed listing check runs on [0-9a-f]{40} \(502: Server Error\)/);

    gh.failNext(1, { kind: 'rate-limit', retryAfterSeconds: 7 });
    const limited = await report(input(t, inProgress(bootstrapped, 'monitor'), null)).catch((e: unknown) => e);
    expect(limited).toMatchObject({ type: 'GithubApiError', nonRetryable: false, nextRetryDelay: '7 seconds' });
    expect((limited as Error).message).toMatch(/rate limit/);

    const ok = await report(input(t, inProgress(bootstrapped, 'monitor'), null));
    expect(gh.checkRunsOn(t.sha).map((r) => r.id)).toEqual([ok.checkRunId]);
  });

  it('a 404 is a non-retryable failure naming the call', async () => {
    const err = await report(input(trigger(), bootstrapped, 987654321)).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'GithubApiError', nonRetryable: true });
    expect((err as Error).message).toBe('GitHub refused updating check run 987654321 (404: Not Found)');
  });

  it('a worker without DRIFTLOOP_GITHUB_TOKEN fails a GitHub-triggered report clearly, without retries', async () => {
    const noToken = createReportToGitHub({ registry, home: h.home, github: githubReportingFromEnv({}) });
    const err = await noToken(input(trigger(), bootstrapped, null)).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'ConfigError', nonRetryable: true });
    expect((err as Error).message).toMatch(/DRIFTLOOP_GITHUB_TOKEN is not set in the worker's environment/);
    const bare = await createReportToGitHub({ registry, home: h.home })(input(trigger(), bootstrapped, null)).catch((e: unknown) => e);
    expect(bare).toMatchObject({ type: 'ConfigError', nonRetryable: true });
  });

  it('without DRIFTLOOP_REPORT_BASE_URL the report path is in the text and there is no details_url; a bad base URL is refused', async () => {
    const env = githubReportingFromEnv({ DRIFTLOOP_GITHUB_TOKEN: 'test-token', DRIFTLOOP_GITHUB_API_URL: gh.url });
    const plain = createReportToGitHub({ registry, home: h.home, github: env });
    const t = trigger();
    const { checkRunId } = await plain(input(t, bootstrapped, null));
    const run = gh.checkRuns.get(checkRunId)!;
    expect(run.details_url).toBeNull();
    expect((run.output as { summary: string }).summary).toMatch(/Report: `\/reports\/[^`]+` on the driftloop dashboard/);
    expect(() => githubReportingFromEnv({ DRIFTLOOP_REPORT_BASE_URL: 'dashboard.local' })).toThrow(/DRIFTLOOP_REPORT_BASE_URL must be an absolute http\(s\) URL/);
  });
});
