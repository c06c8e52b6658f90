import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateChurn, SYNTHETIC_FEATURES, SYNTHETIC_HEADER } from '../../dataset/synthetic.js';
import { writeExampleProject } from '../../demo/example.js';
import { DRIFTLOOP_BIN } from '../support/cli.js';
import { GithubStandIn } from '../support/github-stand-in.js';
import { postgresUrl } from '../registry/postgres-support.js';

/**
 * The long-running processes' logs, from the real processes: `driftloop
 * worker`, `driftloop github serve` and `driftloop serve`, started with
 * secrets in their environment (a GitHub token, the webhook secret, a
 * PostgreSQL URL with a password — the real test cluster's) and driven
 * through a GitHub-triggered pass and serving traffic, including failures
 * that echo inputs (a bad signature whose delivery id is the secret, GitHub
 * refusing a permission check, a request path and a request id carrying
 * secrets). Every stderr line must be a JSON log line; none of the secrets
 * may appear anywhere in stdout or stderr.
 */

const REPO = 'acme/models';
const repository = { full_name: REPO, name: 'models', owner: { login: 'acme' }, default_branch: 'main' };
const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const WEBHOOK_SECRET = `whsec-${randomBytes(16).toString('hex')}`;

interface Proc {
  name: string;
  child: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  exited: Promise<void>;
}

const procs: Proc[] = [];
let gh: GithubStandIn;
let home: string;
let env: Record<string, string>;
let dbPassword: string;
let connection: Connection;
let client: Client;
let model: string;

function start(name: string, args: string[]): Proc {
  const child = spawn(process.execPath, [DRIFTLOOP_BIN, ...args], { env: { ...process.env, ...env } });
  const p: Proc = { name, child, stdout: '', stderr: '', exited: new Promise((resolve) => child.once('close', () => resolve())) };
  child.stdout.on('data', (d: Buffer) => (p.stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (p.stderr += d.toString('utf8')));
  procs.push(p);
  return p;
}

async function until<T>(what: string, p: Proc, probe: () => T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited before ${what}:\n${p.stdout}\n${p.stderr}`);
    if (Date.now() > deadline) throw new Error(`${p.name}: no ${what} within ${timeoutMs} ms:\n${p.stdout}\n${p.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  await p.exited;
}

/** Every non-empty stderr line, parsed (a line that is not JSON fails the test naming it). */
function logLines(p: Proc): Record<string, unknown>[] {
  return p.stderr
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`${p.name} wrote a stderr line that is not JSON: ${l}`);
      }
    });
}

function signed(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function deliver(url: string, event: string, delivery: string, payload: unknown, secret = WEBHOOK_SECRET) {
  const body = JSON.stringify(payload);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': signed(body, secret) },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

let worker: Proc;
let webhooks: Proc;
let serving: Proc;
let pass: { workflowId: string; runId: string };
const pushDelivery = randomUUID();

beforeAll(async () => {
  const pgUrl = postgresUrl();
  dbPassword = decodeURIComponent(new URL(pgUrl).password);
  expect(dbPassword.length).toBeGreaterThan(8);
  gh = await new GithubStandIn().start();
  gh.setBranch(REPO, 'main', 'c'.repeat(40));
  home = await mkdtemp(join(tmpdir(), 'driftloop-logging-'));
  model = `logs-${randomBytes(4).toString('hex')}`;
  const project = await writeExampleProject(join(home, 'project'), {
    model,
    rows: 1000,
    overrides: {
      github: { repository: REPO, branch: 'main', paths: ['models/**'] },
      sandbox: { enabled: false },
      trainer: { estimator: 'gradient_boosting', params: { n_estimators: 20, max_depth: 2 }, seed: 7, validation: { policy: 'random', fraction: 0.2 }, timeoutMinutes: 10 },
    },
  });
  // The receiver serves every config in its directory: only the steady one here.
  await rm(project.driftedConfig);
  env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    DRIFTLOOP_TASK_QUEUE: `logging-${randomUUID()}`,
    DRIFTLOOP_HOME: home,
    DRIFTLOOP_DATABASE_URL: pgUrl,
    DRIFTLOOP_GITHUB_TOKEN: TOKEN,
    DRIFTLOOP_GITHUB_API_URL: gh.url,
    DRIFTLOOP_GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // Everything the processes can say, the SDK's per-activity lines included.
    DRIFTLOOP_LOG_LEVEL: 'debug',
  };
  connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE! });

  worker = start('worker', ['worker']);
  webhooks = start('github serve', ['github', 'serve', '--config-dir', project.dir, '--port', '0']);
  await until('polling line', worker, () => worker.stderr.includes('driftloop worker: polling'), 90_000);
  const hookUrl = await until('URL', webhooks, () => /GitHub webhooks at (http:\/\/\S+)/.exec(webhooks.stdout)?.[1]);

  // A bad signature, its delivery id echoing the webhook secret: refused, and logged without the secret.
  const forged = await deliver(hookUrl, 'push', WEBHOOK_SECRET, { ref: 'refs/heads/main' }, 'not-the-secret');
  expect(forged.status).toBe(401);
  // GitHub refusing the /retrain commenter's permission check (the token lost access): an error from GitHub, logged.
  gh.hidden.add(REPO);
  const refused = await deliver(hookUrl, 'issue_comment', randomUUID(), { action: 'created', repository, issue: { number: 7 }, comment: { id: 1, body: `/retrain ${model}`, user: { login: 'someone' } } });
  gh.hidden.delete(REPO);
  expect(refused.status).toBeGreaterThanOrEqual(400);
  // A signed push: a real pass on the worker (PostgreSQL registry), reporting to the GitHub stand-in with the token.
  const sha = 'f'.repeat(40);
  const pushed = await deliver(hookUrl, 'push', pushDelivery, { ref: 'refs/heads/main', after: sha, deleted: false, repository, commits: [{ id: sha, added: [], modified: ['models/x.py'], removed: [] }] });
  expect(pushed.status).toBe(200);
  pass = (pushed.json.passes as { workflowId: string; runId: string }[])[0]!;
  const summary = (await client.workflow.getHandle(pass.workflowId, pass.runId).result()) as { decision: string };
  expect(summary.decision).toBe('bootstrapped');
  expect(gh.checkRunsOn(sha)).toHaveLength(1); // the token reached GitHub

  // Serving the champion the pass made, from the same registry.
  serving = start('serve', ['serve', '--model', model, '--port', '0']);
  const serveUrl = await until('URL', serving, () => /serving .* at (http:\/\/\S+)/.exec(serving.stdout)?.[1]);
  const [, ...rows] = [SYNTHETIC_HEADER, ...generateChurn({ rows: 3, seed: 11 })];
  const records = rows.map((r) => Object.fromEntries(SYNTHETIC_FEATURES.map((f, i) => [f.name, f.kind === 'numeric' ? Number(r[i]) : r[i]])));
  const ok = await fetch(`${serveUrl}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-logging-1' }, body: JSON.stringify(records) });
  expect(ok.status).toBe(200);
  // Inputs carrying secrets, echoed into the request line: a path with the database password, a request id that is the token.
  expect((await fetch(`${serveUrl}/v2/models/${encodeURIComponent(dbPassword)}/ready`)).status).toBe(404);
  expect((await fetch(`${serveUrl}/v2/health/ready`, { headers: { 'x-request-id': TOKEN } })).status).toBe(200);
  expect((await fetch(`${serveUrl}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"not": "rows"' })).status).toBe(422);

  for (const p of [serving, webhooks, worker]) await stop(p);
}, 150_000);

afterAll(async () => {
  for (const p of procs) await stop(p);
  await connection?.close();
  await gh?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('logs of the real processes', () => {
  it('every stderr line of each process is a JSON log line with level, time, msg and the process name', () => {
    for (const p of [worker, webhooks, serving]) {
      const lines = logLines(p);
      expect(lines.length, p.name).toBeGreaterThan(0);
      for (const l of lines) {
        expect(typeof l.level, `${p.name}: ${JSON.stringify(l)}`).toBe('string');
        expect(typeof l.msg, `${p.name}: ${JSON.stringify(l)}`).toBe('string');
        expect(Number.isNaN(Date.parse(String(l.time))), `${p.name}: ${JSON.stringify(l)}`).toBe(false);
      }
    }
  });

  it("stdout stays the commands' human output: no log line there (the worker's SDK core prints only its warnings there; a healthy run has none)", () => {
    expect(worker.stdout).toBe('');
    for (const p of [webhooks, serving]) for (const l of p.stdout.split('\n')) expect(l.startsWith('{'), `${p.name} stdout: ${l}`).toBe(false);
  });

  it('none of the secrets occurs anywhere in any process output (stdout and stderr), though inputs echoed them', () => {
    const all = procs.map((p) => p.stdout + p.stderr).join('\n');
    for (const secret of [TOKEN, WEBHOOK_SECRET, dbPassword, encodeURIComponent(dbPassword), env.DRIFTLOOP_DATABASE_URL!]) {
      expect(all.includes(secret), `a secret (${secret.length} chars) appears in the output`).toBe(false);
    }
    // The echoes happened and were scrubbed, not merely absent.
    expect(logLines(serving).some((l) => String(l.url).startsWith('/v2/models/[REDACTED]'))).toBe(true);
    expect(logLines(serving).some((l) => l.requestId === '[REDACTED]')).toBe(true);
    expect(logLines(webhooks).some((l) => l.requestId === '[REDACTED]' && l.status === 401)).toBe(true);
  });

  it("the worker's activity lines carry the pass's workflowId and run id and the activity, at debug and at info", () => {
    const lines = logLines(worker).filter((l) => l.msg === 'Activity started' || l.msg === 'Activity completed');
    const ofPass = lines.filter((l) => l.workflowId === pass.workflowId);
    expect(ofPass.length).toBeGreaterThan(0);
    for (const l of ofPass) expect(l).toMatchObject({ workflowRunId: pass.runId, activityType: expect.any(String), attempt: expect.any(Number) });
    expect(ofPass.map((l) => l.activityType)).toEqual(expect.arrayContaining(['monitor', 'retrain', 'promote']));
    // At info too: one line per completed activity (worker/activity-log.ts), with the same attributes.
    const completed = logLines(worker).filter((l) => l.msg === 'activity completed' && l.workflowId === pass.workflowId);
    for (const l of completed) expect(l).toMatchObject({ level: 'info', workflowRunId: pass.runId, durationMs: expect.any(Number) });
    expect(completed.map((l) => l.activityType)).toEqual(expect.arrayContaining(['monitor', 'retrain', 'promote']));
    // The SDK's task token (a capability to complete the activity) is censored.
    expect(lines.every((l) => l.taskToken === undefined || l.taskToken === '[REDACTED]')).toBe(true);
  });

  it("every serving request line carries its request id, and a model's answer names the model and version", () => {
    const requests = logLines(serving).filter((l) => l.msg === 'request completed');
    expect(requests.length).toBeGreaterThanOrEqual(4);
    for (const l of requests) expect(typeof l.requestId === 'string' && l.requestId.length > 0, JSON.stringify(l)).toBe(true);
    expect(requests.find((l) => l.requestId === 'req-logging-1')).toMatchObject({ method: 'POST', url: '/predict', status: 200, model, version: '1' });
    expect(requests.find((l) => l.status === 422)).toMatchObject({ url: '/predict', model });
  });

  it("the receiver's lines are keyed by the delivery id: the pass it started, GitHub's refusal, the forged delivery", () => {
    const lines = logLines(webhooks);
    const push = lines.filter((l) => l.requestId === pushDelivery);
    expect(push.find((l) => l.delivery === pushDelivery && l.event === 'push' && Array.isArray(l.passes))).toMatchObject({ level: 'info', passes: [{ model, started: true, workflowId: pass.workflowId }] });
    expect(lines.some((l) => l.level === 'error' && l.event === 'issue_comment' && typeof (l.err as { message?: string })?.message === 'string')).toBe(true);
    expect(lines.some((l) => l.level === 'warn' && String(l.msg).includes('X-Hub-Signature-256 does not match'))).toBe(true);
  });
});
