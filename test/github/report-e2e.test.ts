import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRunName, commentMarker } from '../../activities/github-report.js';
import { startPass, waitForPass } from '../../client/pass.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import { GithubClient } from '../../github/client.js';
import { conclusionOf } from '../../github/pass-markdown.js';
import { DeliveryLog } from '../../github/deliveries.js';
import { buildWebhookServer, WEBHOOK_PATH } from '../../github/webhook-server.js';
import { exampleProject } from '../support/example.js';
import { GithubStandIn } from '../support/github-stand-in.js';
import { startHarness, type Harness } from '../support/harness.js';

/**
 * End to end: a signed webhook → the receiver → a real pass on the real
 * Temporal dev server and worker → the pass reports back to the GitHub
 * stand-in (check run completed on the pushed commit; deployment for the
 * promotion; reply on a /retrain comment).
 */

const SECRET = 'e2e-secret';
const REPO = 'acme/models';
const repository = { full_name: REPO, name: 'models', owner: { login: 'acme' }, default_branch: 'main' };
const MAIN_HEAD = 'c'.repeat(40);

let h: Harness;
let gh: GithubStandIn;
let app: FastifyInstance;
let pipeline: PipelineConfig;

beforeAll(async () => {
  gh = await new GithubStandIn().start();
  gh.setBranch(REPO, 'main', MAIN_HEAD);
  gh.permissions.set('writer', 'write');
  const github = new GithubClient({ token: 'test-token', baseUrl: gh.url });
  h = await startHarness({ github: { client: github, reportBaseUrl: 'https://driftloop.example.com' } });
  const project = await exampleProject({ github: { repository: REPO, branch: 'main', paths: ['models/churn/**'] } });
  pipeline = project.drifted;
  app = buildWebhookServer({
    secret: SECRET,
    pipelines: async () => [pipeline],
    startPass: async (p, trigger) => {
      const handle = await startPass(h.client, p, { taskQueue: h.taskQueue, force: true, trigger });
      return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
    },
    permissionOf: (o, r, u) => github.permissionOf(o, r, u),
    headSha: (owner, repo, source) => ('pull' in source ? github.pullHeadSha({ owner, repo }, source.pull) : github.branchHeadSha({ owner, repo }, source.branch)),
    deliveries: await DeliveryLog.open(join(await mkdtemp(join(tmpdir(), 'driftloop-gh-e2e-')), 'deliveries.log')),
  });
});
afterAll(async () => {
  await app?.close();
  await h?.stop();
  await gh?.stop();
});

async function deliver(event: string, payload: unknown) {
  const body = JSON.stringify(payload);
  const res = await app.inject({
    method: 'POST',
    url: WEBHOOK_PATH,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    payload: body,
  });
  expect(res.statusCode).toBe(200);
  const [pass] = (res.json() as { passes: { workflowId: string; runId: string; started: boolean }[] }).passes;
  expect(pass!.started).toBe(true);
  return waitForPass(h.client.workflow.getHandle(pass!.workflowId, pass!.runId));
}

describe('a GitHub-triggered pass reports back (webhook → real pass → GitHub stand-in)', () => {
  it('a signed push: the check run on the pushed commit ends completed with the summary; the promotion is a deployment', async () => {
    const sha = 'f'.repeat(40);
    const files = ['models/churn/train.py'];
    const summary = await deliver('push', { ref: 'refs/heads/main', after: sha, deleted: false, repository, pusher: { name: 'pat' }, commits: [{ id: sha, added: [], modified: files, removed: [] }] });
    expect(summary.decision).not.toBeNull();
    const runs = gh.checkRunsOn(sha);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: checkRunName(pipeline.model), external_id: summary.runId, status: 'completed', conclusion: conclusionOf(summary.decision!) });
    expect((runs[0]!.output as { summary: string }).summary).toContain('**Decision**:');
    // The pass summary records where reporting stands.
    expect((summary as { github?: unknown }).github).toEqual({ status: 'reported', checkRunId: runs[0]!.id });
    // Updated as the stages completed, not only created and completed.
    const patches = gh.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/check-runs/${runs[0]!.id}`));
    expect(patches.length).toBeGreaterThan(1);
    expect(patches.some((c) => (c.body as { status?: string }).status === 'in_progress')).toBe(true);
    if (summary.decision === 'promoted' || summary.decision === 'bootstrapped') {
      const deployments = [...gh.deployments.values()].filter((d) => d.sha === sha);
      expect(deployments).toHaveLength(1);
      expect(deployments[0]).toMatchObject({ environment: pipeline.model, payload: { runId: summary.runId } });
      expect(gh.deploymentStatuses.get(deployments[0]!.id as number)!.map((s) => s.state)).toEqual(['success']);
    }
  });

  it('GitHub refusing every report does not fail the pass: it decides, and its summary records the failure', async () => {
    const sha = '9'.repeat(40);
    gh.hidden.add(REPO); // the token lost access: 404 on every call, not retried
    try {
      const summary = await deliver('push', { ref: 'refs/heads/main', after: sha, deleted: false, repository, commits: [{ id: sha, added: [], modified: ['models/churn/x.py'], removed: [] }] });
      expect(summary.decision).not.toBeNull();
      expect((summary as { github?: unknown }).github).toEqual({ status: 'failed', reason: expect.stringContaining('(404: Not Found)'), checkRunId: null });
      expect(gh.checkRunsOn(sha)).toHaveLength(0);
    } finally {
      gh.hidden.delete(REPO);
    }
  });

  it('a /retrain comment: the check run goes on the default branch head and the issue gets one reply', async () => {
    const summary = await deliver('issue_comment', { action: 'created', repository, issue: { number: 41 }, comment: { id: 9, body: `/retrain ${pipeline.model}`, user: { login: 'writer' } } });
    expect(gh.checkRunsOn(MAIN_HEAD).filter((r) => r.external_id === summary.runId)).toHaveLength(1);
    const replies = gh.commentsOn(41);
    expect(replies).toHaveLength(1);
    expect(String(replies[0]!.body)).toContain(commentMarker(summary.runId));
    expect(String(replies[0]!.body)).toContain('(asked by @writer)');
  });
});
