import { createHmac, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startPass } from '../../client/pass.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import { GithubClient } from '../../github/client.js';
import { DeliveryLog } from '../../github/deliveries.js';
import { buildWebhookServer, WEBHOOK_PATH } from '../../github/webhook-server.js';
import { exampleProject } from '../support/example.js';
import { GithubStandIn } from '../support/github-stand-in.js';
import { expectHandled, send, sendRaw, Tally } from './http-client.js';

/**
 * Property-based fuzzing of `driftloop github serve`'s webhook receiver over
 * real HTTP: unsigned and mis-signed bodies, signed bodies of any JSON shape
 * under every event name, GitHub-shaped payloads with wrong types and
 * unknown branches, users and models, bodies that are not JSON or not
 * UTF-8, wrong content types, oversized bodies, bogus headers. Every answer
 * is below 500 with a JSON `{error}` for a 4xx, and a valid ping is still
 * answered afterwards. Passes the fuzz happens to trigger start for real on
 * a task queue nobody polls, and are terminated at the end.
 */
const SECRET = 'fuzz-secret';
const REPO = 'acme/models';
const BODY_LIMIT = 32 * 1024;
const RUNS = 40;

let gh: GithubStandIn;
let app: FastifyInstance;
let url: string;
let client: Client;
let connection: Connection;
let pipeline: PipelineConfig;
let dir: string;
const taskQueue = `fuzz-unpolled-${randomUUID()}`;
const started: string[] = [];
const tally = new Tally();

beforeAll(async () => {
  gh = await new GithubStandIn().start();
  gh.setBranch(REPO, 'main', 'c'.repeat(40));
  gh.setPull(REPO, 12, 'd'.repeat(40));
  gh.permissions.set('maintainer', 'write');
  const project = await exampleProject({ github: { repository: REPO, branch: 'main', paths: ['models/churn/**'], config: 'models/churn.yaml' } });
  pipeline = project.steady;
  dir = project.dir;
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection, namespace: inject('temporalNamespace') });
  const github = new GithubClient({ token: 'test-token', baseUrl: gh.url });
  app = buildWebhookServer({
    secret: SECRET,
    bodyLimit: BODY_LIMIT,
    pipelines: async () => [pipeline],
    startPass: async (p, trigger) => {
      const handle = await startPass(client, p, { taskQueue, force: true, trigger });
      started.push(handle.workflowId);
      return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
    },
    permissionOf: (o, r, u) => github.permissionOf(o, r, u),
    headSha: (owner, repo, source) => ('pull' in source ? github.pullHeadSha({ owner, repo }, source.pull) : github.branchHeadSha({ owner, repo }, source.branch)),
    deliveries: await DeliveryLog.open(join(dir, 'deliveries.log')),
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  for (const id of new Set(started)) await client.workflow.getHandle(id).terminate('fuzz test over').catch(() => undefined);
  await app?.close();
  await connection?.close();
  await gh?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
  console.log(`fuzz-webhook: ${tally.summary()}; passes started ${started.length}`);
});

const sign = (body: Uint8Array | string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const EVENTS = ['push', 'pull_request', 'issue_comment', 'workflow_dispatch', 'repository_dispatch', 'ping', 'check_run', 'installation'];

async function deliver(event: string, body: Uint8Array | string, headers: Record<string, string> = {}) {
  const res = await send(url, 'POST', WEBHOOK_PATH, {
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': sign(body), ...headers },
    body,
  });
  expectHandled(res, `${event} ${String(body).slice(0, 200)} ${JSON.stringify(headers)}`, tally);
  return res;
}

async function stillAnswers(): Promise<void> {
  const res = await deliver('ping', JSON.stringify({ zen: 'still here', repository: { full_name: REPO } }));
  expect(res.status).toBe(200);
  expect(JSON.parse(res.text).pong).toBe(true);
}

const anyValue = fc.oneof(fc.string({ maxLength: 30 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }));
const sha = fc.oneof(fc.stringMatching(/^[0-9a-f]{40}$/), anyValue);
const branch = fc.oneof(fc.constantFrom('main', 'refs/heads/main', 'refs/heads/../../etc', 'refs/tags/v1', 'no-such-branch', '../..', '%2e%2e', ''), anyValue);
const githubShaped = fc.record(
  {
    action: fc.oneof(fc.constantFrom('created', 'edited', 'deleted'), anyValue),
    repository: fc.oneof(fc.record({ full_name: fc.oneof(fc.constant(REPO), fc.constantFrom(REPO, 'ACME/Models', 'other/repo', '../..'), anyValue), default_branch: branch }, { requiredKeys: [] }), anyValue),
    ref: branch,
    after: sha,
    deleted: anyValue,
    commits: fc.oneof(fc.array(fc.record({ added: fc.oneof(fc.constant(['models/churn/train.yaml']), fc.array(anyValue, { maxLength: 3 }), anyValue), modified: anyValue }, { requiredKeys: [] }), { maxLength: 3 }), anyValue),
    head_commit: anyValue,
    pusher: fc.oneof(fc.record({ name: anyValue }), anyValue),
    sender: fc.oneof(fc.record({ login: anyValue }), anyValue),
    inputs: fc.oneof(fc.record({ model: fc.oneof(fc.constant('MODEL'), anyValue) }), anyValue),
    client_payload: fc.oneof(fc.record({ model: fc.oneof(fc.constant('MODEL'), fc.constantFrom('../../etc/passwd', 'churn\u0000')), sha, ref: branch }, { requiredKeys: [] }), anyValue),
    branch,
    comment: fc.oneof(
      fc.record({ body: fc.oneof(fc.constantFrom('/retrain MODEL', '/retrain ../../x', '/retrain', '/retrain a b'), anyValue), user: fc.oneof(fc.record({ login: fc.oneof(fc.constantFrom('maintainer', 'stranger', '../admin'), anyValue) }), anyValue) }, { requiredKeys: [] }),
      anyValue,
    ),
    issue: fc.oneof(fc.record({ number: fc.oneof(fc.constantFrom(12, 99, -1, 0, 1.5, 2 ** 53), anyValue), pull_request: anyValue }, { requiredKeys: [] }), anyValue),
    zen: anyValue,
  },
  { requiredKeys: [] },
);

describe('the webhook receiver under malformed input', () => {
  it('unsigned, mis-signed and malformed signatures: 401 before anything is read', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...EVENTS), fc.jsonValue({ maxDepth: 3 }), fc.oneof(fc.constant(null), fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')), fc.constantFrom('sha256=', 'sha1=abc', `sha256=${'0'.repeat(64)}`)), async (event, value, signature) => {
        const body = JSON.stringify(value);
        const headers: Record<string, string> = {};
        if (signature === null) headers['x-hub-signature-256'] = sign(body, 'wrong-secret');
        else headers['x-hub-signature-256'] = signature;
        const res = await deliver(event, body, headers);
        expect(res.status).toBe(401);
      }),
      { numRuns: RUNS },
    );
    await stillAnswers();
  });

  it('signed bodies of any JSON shape, under any event', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom(...EVENTS), fc.string({ minLength: 1, maxLength: 20 }).map((s) => s.replace(/[^\x21-\x7e]/g, 'x'))), fc.jsonValue({ maxDepth: 4 }), async (event, value) => {
        await deliver(event, JSON.stringify(value));
      }),
      { numRuns: RUNS },
    );
    await stillAnswers();
  });

  it('signed GitHub-shaped payloads with wrong types, unknown branches, users, models and traversal attempts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('push', 'issue_comment', 'workflow_dispatch', 'repository_dispatch'), githubShaped, async (event, payload) => {
        await deliver(event, JSON.stringify(payload).replaceAll('MODEL', pipeline.model));
      }),
      { numRuns: RUNS * 2 },
    );
    await stillAnswers();
  });

  it('signed bodies that are not JSON, not UTF-8, form-encoded junk, wrong content types, bogus headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.string({ maxLength: 100 }).map((s) => Buffer.from(`payload=${s}`)), fc.constant(Buffer.from([0xff, 0xfe, 0x7b, 0x7d]))),
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', 'multipart/form-data; boundary=z', ''),
        fc.constantFrom('', 'x-github-delivery', 'x-github-event'),
        async (body, type, dropped) => {
          const headers: Record<string, string> = { 'content-type': type };
          const res = await send(url, 'POST', WEBHOOK_PATH, {
            headers: Object.fromEntries(Object.entries({ 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': sign(body), ...headers }).filter(([k, v]) => k !== dropped && v !== '')),
            body,
          });
          expectHandled(res, `${type} ${Buffer.from(body).toString('hex').slice(0, 100)}`, tally);
          expect(res.status).toBeGreaterThanOrEqual(400);
        },
      ),
      { numRuns: RUNS },
    );
    for (const delivery of ['../../etc/passwd', 'a b', 'x'.repeat(200), '%00']) {
      const res = await deliver('ping', '{}', { 'x-github-delivery': delivery });
      expect(res.status, delivery).toBe(400);
    }
    const log = await readFile(join(dir, 'deliveries.log'), 'utf8');
    expect(log.split('\n').filter(Boolean).every((id) => /^[A-Za-z0-9._:-]{1,128}$/.test(id))).toBe(true);
    await stillAnswers();
  });

  it('a signed dispatch or comment naming a branch or pull request GitHub does not know: 422, not a 502 to redeliver', async () => {
    const repository = { full_name: REPO, default_branch: 'main' };
    const before = started.length; // the fuzz above may have started a pass or two
    const cases: [string, unknown][] = [
      ['workflow_dispatch', { repository, ref: 'refs/heads/no-such-branch', inputs: { model: pipeline.model } }],
      ['repository_dispatch', { repository, client_payload: { model: pipeline.model, ref: '../../etc/passwd' } }],
      ['workflow_dispatch', { repository: { full_name: REPO, default_branch: 'gone' }, inputs: { model: pipeline.model } }],
      ['issue_comment', { action: 'created', repository, comment: { body: `/retrain ${pipeline.model}`, user: { login: 'maintainer' } }, issue: { number: 404, pull_request: {} } }],
    ];
    for (const [event, payload] of cases) {
      const res = await deliver(event, JSON.stringify(payload));
      expect(res.status, `${event} ${res.text}`).toBe(422);
      expect(JSON.parse(res.text).error).toMatch(/does not exist on GitHub/);
    }
    expect(started).toHaveLength(before);
    await stillAnswers();
  });

  it('oversized and deeply nested bodies, raw malformed HTTP, unknown routes', async () => {
    const big = JSON.stringify({ zen: 'x'.repeat(BODY_LIMIT) });
    const res = await deliver('ping', big);
    expect(res.status).toBe(413);
    const deep = `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    expect((await deliver('push', deep)).status).toBeLessThan(500);
    for (const path of ['/webhook/../../etc/passwd', '/%2e%2e/%2e%2e', '/webhook%00', '/nope']) {
      const r = await send(url, 'POST', path, { headers: { 'content-type': 'application/json' }, body: '{}' });
      expectHandled(r, path, tally);
      expect(r.status).toBe(404);
    }
    for (const raw of ['GARBAGE\r\n\r\n', 'POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello', 'POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']) {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(await sendRaw(url, raw))?.[1]);
      tally.add(status);
      expect(status, JSON.stringify(raw)).toBeGreaterThanOrEqual(400);
      expect(status, JSON.stringify(raw)).toBeLessThan(500);
    }
    await stillAnswers();
    expect(tally.serverErrors).toBe(0);
  });
});
