import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhooks } from '@octokit/webhooks';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { EventEmitter } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { registerGithub } from '../../client/commands/github.js';
import { passWorkflowId, startPass, waitForPass } from '../../client/pass.js';
import type { GithubTrigger } from '../../config/pipeline-run.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import { GithubClient } from '../../github/client.js';
import { DeliveryLog } from '../../github/deliveries.js';
import { buildWebhookServer, WEBHOOK_PATH } from '../../github/webhook-server.js';
import { exampleProject } from '../support/example.js';
import { GithubStandIn } from '../support/github-stand-in.js';
import { startHarness, type Harness } from '../support/harness.js';

const SECRET = 'webhook-test-secret';
const REPO = 'acme/models';

let h: Harness;
let gh: GithubStandIn;
let app: FastifyInstance;
let pipeline: PipelineConfig;
let stateDir: string;
/** Every trigger the receiver handed to startPass, newest last. */
const triggers: GithubTrigger[] = [];
const PUSHED = 'b'.repeat(40);
const MAIN_HEAD = 'c'.repeat(40);
const PR_HEAD = 'd'.repeat(40);

beforeAll(async () => {
  h = await startHarness();
  gh = await new GithubStandIn().start();
  gh.setBranch(REPO, 'main', MAIN_HEAD);
  gh.setPull(REPO, 12, PR_HEAD);
  const project = await exampleProject({ github: { repository: REPO, branch: 'main', paths: ['models/churn/**'], config: 'models/churn.yaml' } });
  pipeline = project.steady;
  stateDir = await mkdtemp(join(tmpdir(), 'driftloop-gh-'));
  app = await server(join(stateDir, 'deliveries.log'));
});
afterAll(async () => {
  await app?.close();
  await gh?.stop();
  await h?.stop();
});

async function server(deliveryFile: string): Promise<FastifyInstance> {
  const github = new GithubClient({ token: 'test-token', baseUrl: gh.url });
  return buildWebhookServer({
    secret: SECRET,
    pipelines: async () => [pipeline],
    startPass: async (p, trigger) => {
      triggers.push(trigger);
      const handle = await startPass(h.client, p, { taskQueue: h.taskQueue, force: true, trigger });
      return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
    },
    permissionOf: (o, r, u) => github.permissionOf(o, r, u),
    headSha: (owner, repo, source) => ('pull' in source ? github.pullHeadSha({ owner, repo }, source.pull) : github.branchHeadSha({ owner, repo }, source.branch)),
    deliveries: await DeliveryLog.open(deliveryFile),
  });
}

function sign(body: string, secret = SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function deliver(event: string, payload: unknown, opts: { delivery?: string; signature?: string | null; target?: FastifyInstance } = {}) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': opts.delivery ?? randomUUID() };
  if (opts.signature !== null) headers['x-hub-signature-256'] = opts.signature ?? sign(body);
  const res = await (opts.target ?? app).inject({ method: 'POST', url: WEBHOOK_PATH, headers, payload: body });
  return { status: res.statusCode, json: res.json() as Record<string, unknown> };
}

/** The newest run of the model's pass workflow, or null: read from the workflow itself (strongly consistent, unlike visibility lists). */
async function latestRun(model: string): Promise<string | null> {
  try {
    return (await h.client.workflow.getHandle(passWorkflowId(model)).describe()).runId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** Waits for the pass a webhook started and checks that it ran forced to completion; returns the trigger recorded in its input. */
async function expectForcedPass(json: Record<string, unknown>, handedOver = triggers.find((t) => t.deliveryId === json.delivery)): Promise<GithubTrigger> {
  expect(json.started).toBe(true);
  const [pass] = json.passes as { model: string; started: boolean; workflowId: string; runId: string }[];
  expect(pass).toMatchObject({ model: pipeline.model, started: true, workflowId: passWorkflowId(pipeline.model) });
  const handle = h.client.workflow.getHandle(pass!.workflowId, pass!.runId);
  const summary = await waitForPass(handle);
  expect(summary.forced).toBe(true);
  expect(summary.decision).not.toBeNull();
  // The trigger travels in the workflow's input (what the pass reports back to), not only through our startPass wrapper.
  const started = (await handle.fetchHistory()).events![0]!.workflowExecutionStartedEventAttributes!;
  const input = JSON.parse(Buffer.from(started.input!.payloads![0]!.data!).toString('utf8')) as { trigger?: GithubTrigger };
  expect(handedOver).toBeDefined();
  expect(input.trigger).toEqual(handedOver);
  return input.trigger!;
}

const repository = { full_name: REPO, name: 'models', owner: { login: 'acme' } };
const push = (files: string[], ref = 'refs/heads/main') => ({
  ref,
  after: PUSHED,
  deleted: false,
  repository,
  pusher: { name: 'pat', email: 'pat@example.com' },
  sender: { login: 'pat-login' },
  commits: [{ id: PUSHED, added: [], modified: files, removed: [] }],
  head_commit: { id: PUSHED, added: [], modified: files, removed: [] },
});
const comment = (body: string, login: string, onPull = false) => ({
  action: 'created',
  repository,
  issue: { number: 12, ...(onPull ? { pull_request: { url: `https://api.github.com/repos/${REPO}/pulls/12` } } : {}) },
  comment: { id: 1, body, user: { login } },
});

describe('webhook signatures', () => {
  it("accepts GitHub's documented example signature (\"Validating webhook deliveries\")", async () => {
    const webhooks = new Webhooks({ secret: "It's a Secret to Everybody" });
    expect(await webhooks.verify('Hello, World!', 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17')).toBe(true);
    expect(await webhooks.verify('Hello, World?', 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17')).toBe(false);
    // Through the server: the documented signature gets past the 401, then the body is (rightly) not JSON.
    const target = buildWebhookServer({
      secret: "It's a Secret to Everybody",
      pipelines: async () => [],
      startPass: async () => {
        throw new Error('must not start');
      },
      permissionOf: async () => 'none',
      headSha: async () => {
        throw new Error('must not resolve');
      },
      deliveries: await DeliveryLog.open(join(stateDir, 'example.log')),
    });
    const res = await deliver('push', 'Hello, World!', { signature: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17', target });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatch(/not valid JSON/);
    await target.close();
  });

  it('a wrong, a missing or a malformed signature gets 401 and starts nothing', async () => {
    const before = await latestRun(pipeline.model);
    const payload = { event_type: 'retrain', client_payload: { model: pipeline.model }, repository };
    for (const signature of [sign(JSON.stringify(payload), 'another secret'), null, 'sha256=zz', 'sha1=abc']) {
      const res = await deliver('repository_dispatch', payload, { signature });
      expect(res.status).toBe(401);
      expect(res.json.error).toMatch(/X-Hub-Signature-256/);
    }
    expect(await latestRun(pipeline.model)).toEqual(before);
  });

  it('answers ping with 200', async () => {
    const res = await deliver('ping', { zen: 'Keep it logically awesome.', hook_id: 1 });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ event: 'ping', pong: true, started: false });
  });

  it('a malformed payload gets a 4xx with a JSON error', async () => {
    expect((await deliver('push', '{"ref":')).status).toBe(400);
    expect((await deliver('push', '[1,2]')).json.error).toBe('body must be a JSON object');
    const res = await app.inject({ method: 'POST', url: WEBHOOK_PATH, headers: { 'content-type': 'text/plain' }, payload: 'x' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error).toMatch(/content type/);
  });
});

describe('events that start a forced pass (real Temporal)', () => {
  it('push to the branch touching the model\'s paths; a redelivery starts nothing (also after a restart)', async () => {
    const delivery = randomUUID();
    const res = await deliver('push', push(['models/churn/features.py', 'README.md']), { delivery });
    expect(res.status).toBe(200);
    expect(await expectForcedPass(res.json)).toEqual({ kind: 'github', repository: REPO, sha: PUSHED, event: 'push', deliveryId: delivery, sender: 'pat' });
    const run = await latestRun(pipeline.model);

    const again = await deliver('push', push(['models/churn/features.py', 'README.md']), { delivery });
    expect(again).toEqual({ status: 200, json: { delivery, duplicate: true, started: false, reason: 'duplicate delivery' } });
    // The ids are durable: a new server on the same file still knows the delivery.
    const restarted = await server(join(stateDir, 'deliveries.log'));
    const afterRestart = await deliver('push', push(['models/churn/features.py']), { delivery, target: restarted });
    await restarted.close();
    expect(afterRestart.json.duplicate).toBe(true);
    expect(await latestRun(pipeline.model)).toEqual(run);
  });

  it('push touching the config file starts a pass; other branches and unrelated files do not', async () => {
    const ignoredBranch = await deliver('push', push(['models/churn/features.py'], 'refs/heads/dev'));
    expect(ignoredBranch.status).toBe(202);
    expect(ignoredBranch.json).toMatchObject({ started: false, reason: expect.stringContaining('touches no configured model') });
    const ignoredFiles = await deliver('push', push(['docs/index.md', 'models/other/x.py']));
    expect(ignoredFiles.json.started).toBe(false);
    const otherRepo = await deliver('push', { ...push(['models/churn/a.py']), repository: { full_name: 'someone/else' } });
    expect(otherRepo.json.reason).toMatch(/no pipeline is configured for repository "someone\/else"/);
    const cfg = await deliver('push', push(['models/churn.yaml']));
    await expectForcedPass(cfg.json);
  });

  it('workflow_dispatch with inputs.model', async () => {
    const delivery = randomUUID();
    const res = await deliver('workflow_dispatch', { ref: 'refs/heads/main', workflow: '.github/workflows/retrain.yml', inputs: { model: pipeline.model }, repository, sender: { login: 'octocat' } }, { delivery });
    // The payload names no sha: the branch head is asked of GitHub.
    expect(gh.calls.some((c) => c.method === 'GET' && c.path === '/repos/acme/models/branches/main')).toBe(true);
    expect(await expectForcedPass(res.json)).toEqual({ kind: 'github', repository: REPO, sha: MAIN_HEAD, event: 'workflow_dispatch', deliveryId: delivery, sender: 'octocat' });
    const unknown = await deliver('workflow_dispatch', { inputs: { model: 'nope' }, repository });
    expect(unknown).toMatchObject({ status: 202, json: { started: false, reason: 'no pipeline for model "nope" in this repository' } });
  });

  it('repository_dispatch with client_payload.model; a second trigger while it runs is "already running" with the run id', async () => {
    const sha = 'e'.repeat(40);
    const res = await deliver('repository_dispatch', { action: 'retrain', branch: 'main', client_payload: { model: pipeline.model, sha }, repository });
    const second = await deliver('repository_dispatch', { action: 'retrain', client_payload: { model: pipeline.model }, repository });
    const first = (res.json.passes as { runId: string }[])[0]!;
    expect(second.status).toBe(200);
    expect(second.json).toMatchObject({ started: false, passes: [{ model: pipeline.model, started: false, reason: 'already running', runId: first.runId }] });
    expect(await expectForcedPass(res.json)).toMatchObject({ sha, event: 'repository_dispatch' });
  });

  it('"/retrain NAME" from a user with write permission; refused for a read-only user', async () => {
    gh.permissions.set('writer', 'write');
    gh.permissions.set('reader', 'read');
    const before = await latestRun(pipeline.model);
    const refused = await deliver('issue_comment', comment(`/retrain ${pipeline.model}`, 'reader'));
    expect(refused.status).toBe(202);
    expect(refused.json).toMatchObject({ started: false, reason: expect.stringContaining('reader has read permission on acme/models') });
    expect(await latestRun(pipeline.model)).toEqual(before);
    expect(gh.calls.at(-1)).toMatchObject({ method: 'GET', path: '/repos/acme/models/collaborators/reader/permission', authorization: 'token test-token' });

    const other = await deliver('issue_comment', comment('looks good to me', 'writer'));
    expect(other.json.reason).toBe('comment is not "/retrain NAME"');
    const ok = await deliver('issue_comment', comment(`/retrain ${pipeline.model}`, 'writer'));
    // On an issue: the default branch's head; the reply goes to the issue.
    expect(await expectForcedPass(ok.json)).toMatchObject({ sha: MAIN_HEAD, event: 'issue_comment', issueNumber: 12, sender: 'writer' });
    const onPull = await deliver('issue_comment', comment(`/retrain ${pipeline.model}`, 'writer', true));
    expect(gh.calls.some((c) => c.method === 'GET' && c.path === '/repos/acme/models/pulls/12')).toBe(true);
    expect(await expectForcedPass(onPull.json)).toMatchObject({ sha: PR_HEAD, issueNumber: 12, sender: 'writer' });
  });

  it('a branch GitHub does not know answers 422 (the payload\'s problem, not a server error) and starts nothing; the delivery may be redelivered', async () => {
    const before = await latestRun(pipeline.model);
    const delivery = randomUUID();
    const res = await deliver('workflow_dispatch', { ref: 'refs/heads/gone', inputs: { model: pipeline.model }, repository }, { delivery });
    expect(res.status).toBe(422);
    expect(res.json.error).toBe('branch "gone" of acme/models does not exist on GitHub');
    expect(await latestRun(pipeline.model)).toEqual(before);
    // Not remembered: once the branch exists, a redelivery is tried again (not answered as a duplicate).
    const again = await deliver('workflow_dispatch', { ref: 'refs/heads/gone', inputs: { model: pipeline.model }, repository }, { delivery });
    expect(again.status).toBe(422);
    expect(again.json.duplicate).toBeUndefined();
  });

  it('GitHub failing the permission check answers 502 and does not remember the delivery (a redelivery is tried again)', async () => {
    gh.failNext(1, { kind: 'server-error', status: 503 });
    const delivery = randomUUID();
    const failed = await deliver('issue_comment', comment(`/retrain ${pipeline.model}`, 'reader'), { delivery });
    expect(failed.status).toBe(502);
    const retried = await deliver('issue_comment', comment(`/retrain ${pipeline.model}`, 'reader'), { delivery });
    expect(retried.json).toMatchObject({ started: false, reason: expect.stringContaining('read permission') });
  });
});

describe('driftloop github serve (the command, in process, on real Temporal)', () => {
  it('listens, verifies, starts a forced pass on a dispatch and stops on SIGINT', async () => {
    const configDir = await mkdtemp(join(tmpdir(), 'driftloop-ghserve-'));
    await writeFile(join(configDir, 'churn.yaml'), stringify(pipeline));
    const saved = { ...process.env };
    Object.assign(process.env, {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: inject('temporalNamespace'),
      DRIFTLOOP_HOME: stateDir,
      DRIFTLOOP_GITHUB_WEBHOOK_SECRET: SECRET,
      DRIFTLOOP_GITHUB_TOKEN: 'test-token',
      DRIFTLOOP_GITHUB_API_URL: gh.url,
    });
    const signals = new EventEmitter();
    const lines: string[] = [];
    const program = new Command().exitOverride();
    registerGithub(program, { signals, print: (l) => lines.push(l) });
    const running = program.parseAsync(['node', 'driftloop', 'github', 'serve', '--config-dir', configDir, '--port', '0', '--task-queue', h.taskQueue]);
    try {
      const deadline = Date.now() + 30_000;
      while (!lines.some((l) => l.startsWith('GitHub webhooks at')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const url = /(http:\/\/\S+)/.exec(lines[0] ?? '')![1]!;
      const body = JSON.stringify({ action: 'retrain', branch: 'main', client_payload: { model: pipeline.model }, repository });
      const delivery = randomUUID();
      const headers = { 'content-type': 'application/json', 'x-github-event': 'repository_dispatch', 'x-github-delivery': delivery };
      const unsigned = await fetch(url, { method: 'POST', headers, body });
      expect(unsigned.status).toBe(401);
      const res = await fetch(url, { method: 'POST', headers: { ...headers, 'x-hub-signature-256': sign(body) }, body });
      expect(res.status).toBe(200);
      // The command resolves the dispatch's branch through DRIFTLOOP_GITHUB_API_URL and starts the pass with that trigger.
      await expectForcedPass((await res.json()) as Record<string, unknown>, { kind: 'github', repository: REPO, sha: MAIN_HEAD, event: 'repository_dispatch', deliveryId: delivery });
    } finally {
      signals.emit('SIGINT');
      await running;
      process.env = saved;
    }
  });
});
