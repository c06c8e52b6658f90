import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig, type V1Job } from '@kubernetes/client-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubernetesRunnerConfig } from '../../config/pipeline.js';
import { ConfigError, TrainerError } from '../../errors/index.js';
import { loadKubeConfig, runKubernetesTrainer, trainingJobManifest, type KubernetesRunnerTiming } from '../../training/kubernetes/index.js';
import type { TrainerProgress, TrainRequest } from '../../training/request.js';

/**
 * runKubernetesTrainer against a stand-in for the Kubernetes API server on
 * 127.0.0.1: the REST paths the runner calls (batch/v1 Jobs: create, read,
 * delete; core/v1 pods: list by label selector, log — followed with
 * timestamps, or a tail), with the API reference's response shapes (Status
 * objects for errors, 201 on create, text/plain logs), and a scripted Job
 * controller and kubelet behind them. No real cluster can be reached here.
 */

const NS = 'ml';
const TOKEN = 'test-token';
const HOME = '/srv/driftloop';

// ---- the fake API server -------------------------------------------------------

interface LogLine {
  ts: string;
  text: string;
}

interface FakePod {
  json: Record<string, any>;
  log: LogLine[];
  followers: Set<{ res: ServerResponse; since?: string }>;
  ended: boolean;
}

interface RequestRecord {
  method: string;
  path: string;
  query: URLSearchParams;
}

class FakeCluster {
  readonly jobs = new Map<string, Record<string, any>>();
  readonly pods = new Map<string, FakePod>();
  readonly requests: RequestRecord[] = [];
  readonly created: Array<Record<string, any>> = [];
  /** Called after a Job is created: plays its controller and kubelet. */
  onCreate: (job: Record<string, any>) => void = () => {};
  /** Per-request override, e.g. to inject failures: return true when it answered. */
  intercept: (req: RequestRecord, res: ServerResponse) => boolean = () => false;
  private clock = Date.parse('2026-01-01T00:00:00Z') * 1e6;

  reset(): void {
    for (const pod of this.pods.values()) this.endLog(pod);
    this.jobs.clear();
    this.pods.clear();
    this.requests.length = 0;
    this.created.length = 0;
    this.onCreate = () => {};
    this.intercept = () => false;
  }

  /** An existing Job, as if an earlier attempt had created it. */
  addJob(manifest: V1Job, status: Record<string, any> = {}): Record<string, any> {
    const job = this.materialize(JSON.parse(JSON.stringify(manifest)));
    job.status = status;
    this.jobs.set(job.metadata.name, job);
    return job;
  }

  startPod(job: Record<string, any>): FakePod {
    const name = `${job.metadata.name}-${randomUUID().slice(0, 5)}`;
    const pod: FakePod = {
      json: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name,
          namespace: NS,
          uid: randomUUID(),
          creationTimestamp: new Date().toISOString(),
          labels: { ...job.spec.template.metadata.labels, 'batch.kubernetes.io/job-name': job.metadata.name, 'job-name': job.metadata.name },
        },
        spec: job.spec.template.spec,
        status: {
          phase: 'Pending',
          containerStatuses: [{ name: 'trainer', image: job.spec.template.spec.containers[0].image, imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }],
        },
      },
      log: [],
      followers: new Set(),
      ended: false,
    };
    this.pods.set(name, pod);
    job.status = { ...job.status, active: 1, startTime: new Date().toISOString() };
    return pod;
  }

  waiting(pod: FakePod, reason: string, message: string): void {
    pod.json.status.containerStatuses[0].state = { waiting: { reason, message } };
  }

  run(pod: FakePod): void {
    pod.json.status.phase = 'Running';
    pod.json.status.containerStatuses[0].state = { running: { startedAt: new Date().toISOString() } };
    pod.json.status.containerStatuses[0].ready = true;
  }

  print(pod: FakePod, text: string): void {
    this.clock += 1_000_000; // 1 ms apart
    const line = { ts: nanoTime(this.clock), text };
    pod.log.push(line);
    for (const f of pod.followers) f.res.write(`${line.ts} ${line.text}\n`);
  }

  /** The container exits with `exitCode`; the Job controller marks the Job Complete or Failed. */
  exit(pod: FakePod, exitCode: number, opts: { reason?: string; jobReason?: string; message?: string } = {}): void {
    const cs = pod.json.status.containerStatuses[0];
    cs.ready = false;
    cs.state = {
      terminated: {
        exitCode,
        reason: opts.reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        ...(opts.message !== undefined ? { message: opts.message } : {}),
      },
    };
    pod.json.status.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
    this.endLog(pod);
    const job = this.jobs.get(pod.json.metadata.labels['batch.kubernetes.io/job-name']);
    if (!job) return;
    this.finishJob(job, exitCode === 0, opts.jobReason);
  }

  finishJob(job: Record<string, any>, ok: boolean, reason = 'BackoffLimitExceeded'): void {
    const now = new Date().toISOString();
    job.status = ok
      ? { succeeded: 1, completionTime: now, conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }, { type: 'Complete', status: 'True', lastTransitionTime: now }] }
      : {
          failed: 1,
          conditions: [
            { type: 'FailureTarget', status: 'True', reason },
            { type: 'Failed', status: 'True', reason, message: reason === 'DeadlineExceeded' ? 'Job was active longer than specified deadline' : 'Job has reached the specified backoff limit', lastTransitionTime: now },
          ],
        };
  }

  /** The open log streams of `pod` break (connection reset). */
  breakLogStreams(pod: FakePod): void {
    for (const f of pod.followers) f.res.destroy();
    pod.followers.clear();
  }

  followerCount(pod: FakePod): number {
    return pod.followers.size;
  }

  private endLog(pod: FakePod): void {
    pod.ended = true;
    for (const f of pod.followers) f.res.end();
    pod.followers.clear();
  }

  private materialize(body: Record<string, any>): Record<string, any> {
    const uid = randomUUID();
    body.metadata = { ...body.metadata, namespace: NS, uid, resourceVersion: '1', creationTimestamp: new Date().toISOString() };
    body.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
    body.spec.template.metadata.labels = { ...body.spec.template.metadata.labels, 'batch.kubernetes.io/controller-uid': uid, 'controller-uid': uid };
    body.status = {};
    return body;
  }

  // -- HTTP ------------------------------------------------------------------------

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const record = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams };
    this.requests.push(record);
    const body = await readBody(req);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (this.intercept(record, res)) return;

    let m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/.exec(url.pathname);
    if (m && req.method === 'POST') {
      const job = JSON.parse(body) as Record<string, any>;
      const name = job.metadata?.name as string;
      if (this.jobs.has(name)) return status(res, 409, 'AlreadyExists', `jobs.batch "${name}" already exists`, { name, group: 'batch', kind: 'jobs' });
      this.created.push(JSON.parse(body));
      const stored = this.materialize(job);
      this.jobs.set(name, stored);
      json(res, 201, stored);
      setImmediate(() => this.onCreate(stored));
      return;
    }
    m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const name = decodeURIComponent(m[2]!);
      const job = this.jobs.get(name);
      if (!job) return status(res, 404, 'NotFound', `jobs.batch "${name}" not found`, { name, group: 'batch', kind: 'jobs' });
      if (req.method === 'GET') return json(res, 200, job);
      if (req.method === 'DELETE') {
        this.jobs.delete(name);
        // Background propagation: the garbage collector removes the pods afterwards.
        for (const [podName, pod] of this.pods) {
          if (pod.json.metadata.labels['batch.kubernetes.io/job-name'] === name) {
            this.endLog(pod);
            this.pods.delete(podName);
          }
        }
        return json(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: 'batch', kind: 'jobs', uid: job.metadata.uid } });
      }
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      const selector = parseSelector(url.searchParams.get('labelSelector') ?? '');
      const items = [...this.pods.values()]
        .map((p) => p.json)
        .filter((p) => Object.entries(selector).every(([k, v]) => p.metadata.labels[k] === v));
      return json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      const pod = this.pods.get(decodeURIComponent(m[2]!));
      if (!pod) return status(res, 404, 'NotFound', `pods "${m[2]}" not found`);
      if (url.searchParams.get('container') !== 'trainer') return status(res, 400, 'BadRequest', 'container not valid');
      const timestamps = url.searchParams.get('timestamps') === 'true';
      const since = url.searchParams.get('sinceTime') ?? undefined;
      let lines = pod.log.filter((l) => since === undefined || l.ts.slice(0, 19) >= since.slice(0, 19));
      const tail = url.searchParams.get('tailLines');
      if (tail) lines = lines.slice(-Number(tail));
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (const l of lines) res.write(timestamps ? `${l.ts} ${l.text}\n` : `${l.text}\n`);
      if (url.searchParams.get('follow') === 'true' && !pod.ended) {
        const follower = { res, since };
        pod.followers.add(follower);
        res.on('close', () => pod.followers.delete(follower));
        return;
      }
      res.end();
      return;
    }
    status(res, 404, 'NotFound', `the server could not find the requested resource (${req.method} ${url.pathname})`);
  }
}

function nanoTime(ns: number): string {
  const ms = Math.floor(ns / 1e6);
  const iso = new Date(ms).toISOString().slice(0, 19);
  const frac = String(ns % 1e9).padStart(9, '0').replace(/0+$/, '');
  return `${iso}${frac ? `.${frac}` : ''}Z`;
}

function parseSelector(s: string): Record<string, string> {
  return Object.fromEntries(
    s
      .split(',')
      .filter(Boolean)
      .map((kv) => kv.split('=') as [string, string]),
  );
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
  });
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, reason: string, message: string, details?: Record<string, unknown>): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code });
}

// ---- fixtures ----------------------------------------------------------------------

const request: TrainRequest = {
  schemaVersion: 1,
  modelName: 'churn',
  task: 'binary',
  target: 'churned',
  features: [{ name: 'tenure_months', kind: 'numeric' }],
  timeColumn: null,
  estimator: { name: 'logistic_regression', params: {} },
  search: null,
  validation: { policy: 'random', fraction: 0.2 },
  seed: 42,
};
const HASH = createHash('sha256').update('kubernetes runner test').digest('hex');
const config = KubernetesRunnerConfig.parse({ namespace: NS, image: 'trainer:test', volumeClaim: 'driftloop-home' });
const manifest = trainingJobManifest({
  request,
  requestHash: HASH,
  paths: { request: `${HOME}/runs/${HASH}/request.json`, data: `${HOME}/datasets/x.csv`, out: `${HOME}/runs/${HASH}/out` },
  home: HOME,
  config,
  timeoutSeconds: 600,
});
const JOB = manifest.metadata!.name!;

const timing: Partial<KubernetesRunnerTiming> = {
  pollIntervalMs: 20,
  requestTimeoutMs: 2_000,
  apiFailureBudgetMs: 1_000,
  imagePullGraceMs: 300,
  logStallMs: 5_000,
  logDrainMs: 1_000,
};

const progress = (stage: string, fraction: number, message?: string) =>
  JSON.stringify({ event: 'progress', stage, fraction, ...(message ? { message } : {}) });

let server: Server;
let cluster: FakeCluster;
let kubeConfig: KubeConfig;

beforeAll(async () => {
  cluster = new FakeCluster();
  server = createServer((req, res) => void cluster.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'fake', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'driftloop', token: TOKEN }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'driftloop', namespace: NS }],
    currentContext: 'fake',
  });
});

afterAll(async () => {
  cluster.reset();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => cluster.reset());

function run(opts: { onProgress?: (p: TrainerProgress) => void; signal?: AbortSignal; timing?: Partial<KubernetesRunnerTiming> } = {}) {
  return runKubernetesTrainer({ manifest, namespace: NS, kubeConfig, ...opts, timing: { ...timing, ...opts.timing } });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const calls = (method: string, path: RegExp) => cluster.requests.filter((r) => r.method === method && path.test(r.path));
const JOB_PATH = new RegExp(`^/apis/batch/v1/namespaces/${NS}/jobs/${JOB}$`);

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

// ---- tests -------------------------------------------------------------------------

// A hung run fails its test in 20 s instead of the suite's 180 s.
describe('runKubernetesTrainer', { timeout: 20_000 }, () => {
  it('creates the Job, follows its progress, and deletes it when it succeeded', async () => {
    cluster.onCreate = async (job) => {
      const pod = cluster.startPod(job);
      await sleep(50);
      cluster.run(pod);
      await until(() => cluster.followerCount(pod) > 0, 'the log follower');
      cluster.print(pod, progress('load', 0.1, 'reading rows'));
      cluster.print(pod, 'a warning some library printed');
      cluster.print(pod, progress('fit', 0.5));
      await sleep(30);
      cluster.print(pod, progress('convert', 0.9));
      cluster.print(pod, JSON.stringify({ event: 'done', outDir: '/var/lib/driftloop/runs/x/out' }));
      cluster.exit(pod, 0);
    };
    const seen: TrainerProgress[] = [];
    await run({ onProgress: (p) => seen.push(p) });

    expect(seen).toEqual([
      { event: 'progress', stage: 'load', fraction: 0.1, message: 'reading rows' },
      { event: 'progress', stage: 'fit', fraction: 0.5 },
      { event: 'progress', stage: 'convert', fraction: 0.9 },
    ]);
    // What reached the API server is the manifest, field for field.
    expect(cluster.created).toEqual([JSON.parse(JSON.stringify(manifest))]);
    const del = calls('DELETE', JOB_PATH);
    expect(del).toHaveLength(1);
    expect(del[0]!.query.get('propagationPolicy')).toBe('Background');
    expect(cluster.jobs.size).toBe(0);
    // The pods were looked up by the selector the API server generated for the Job.
    const list = calls('GET', new RegExp(`^/api/v1/namespaces/${NS}/pods$`));
    expect(list.length).toBeGreaterThan(0);
    expect(list[0]!.query.get('labelSelector')).toMatch(/^batch\.kubernetes\.io\/controller-uid=[0-9a-f-]{36}$/);
    const follow = calls('GET', /\/log$/)[0]!;
    expect(Object.fromEntries(follow.query)).toMatchObject({ container: 'trainer', follow: 'true', timestamps: 'true' });
  });

  it('maps a trainer failure to its class and error line, and deletes the Job', async () => {
    const error = { class: 'DataError', code: 'missing_column', message: 'column "churned" is missing', column: 'churned' };
    cluster.onCreate = async (job) => {
      const pod = cluster.startPod(job);
      cluster.run(pod);
      cluster.print(pod, progress('load', 0.1));
      cluster.print(pod, 'Traceback (most recent call last): noise');
      cluster.print(pod, JSON.stringify({ error }));
      cluster.exit(pod, 3);
    };
    const err = await caught(run());
    expect(err).toBeInstanceOf(TrainerError);
    const e = err as TrainerError;
    expect(e.errorClass).toBe('data_error');
    expect(e.retryable).toBe(false);
    expect(e.message).toBe('column "churned" is missing');
    expect(e.details).toMatchObject({ ...error, job: JOB, namespace: NS, exitCode: 3, errorClass: 'data_error' });
    expect(calls('DELETE', JOB_PATH)).toHaveLength(1);
    // The error came from the log tail, read after the container had exited.
    expect(calls('GET', /\/log$/).some((r) => r.query.get('tailLines') !== null)).toBe(true);
  });

  it.each([
    [2, 'invalid_request'],
    [4, 'conversion_error'],
    [5, 'parity_error'],
    [1, 'internal_error'],
    [42, 'internal_error'],
  ] as const)('exit code %i is %s', async (code, errorClass) => {
    cluster.onCreate = (job) => {
      const pod = cluster.startPod(job);
      cluster.run(pod);
      cluster.print(pod, JSON.stringify({ error: { class: 'X', code: 'x', message: `failed with ${code}` } }));
      cluster.exit(pod, code);
    };
    const e = (await caught(run())) as TrainerError;
    expect(e).toBeInstanceOf(TrainerError);
    expect(e.errorClass).toBe(errorClass);
    expect(e.message).toBe(`failed with ${code}`);
  });

  it('falls back to the termination message when the log is gone', async () => {
    cluster.onCreate = (job) => {
      const pod = cluster.startPod(job);
      cluster.run(pod);
      cluster.exit(pod, 5, { message: `${progress('parity', 0.95)}\n${JSON.stringify({ error: { class: 'ParityError', code: 'mismatch', message: 'ONNX and sklearn disagree' } })}\n` });
    };
    cluster.intercept = (req, res) => {
      if (req.path.endsWith('/log') && req.query.get('tailLines')) {
        status(res, 404, 'NotFound', 'log not found');
        return true;
      }
      return false;
    };
    const e = (await caught(run())) as TrainerError;
    expect(e.errorClass).toBe('parity_error');
    expect(e.message).toBe('ONNX and sklearn disagree');
  });

  it('reports an OOM kill, a signal and the deadline as retryable kills', async () => {
    cluster.onCreate = (job) => {
      const pod = cluster.startPod(job);
      cluster.run(pod);
      cluster.exit(pod, 137, { reason: 'OOMKilled' });
    };
    let e = (await caught(run())) as TrainerError;
    expect([e.errorClass, e.retryable]).toEqual(['killed', true]);
    expect(e.message).toMatch(/ran out of memory \(limit 2Gi\)/);

    cluster.reset();
    cluster.onCreate = (job) => {
      const pod = cluster.startPod(job);
      cluster.run(pod);
      cluster.exit(pod, 143);
    };
    e = (await caught(run())) as TrainerError;
    expect(e.errorClass).toBe('killed');
    expect(e.message).toMatch(/signal 15/);

    cluster.reset();
    cluster.onCreate = (job) => {
      const pod = cluster.startPod(job);
      cluster.waiting(pod, 'ContainerCreating', '');
      setTimeout(() => cluster.finishJob(job, false, 'DeadlineExceeded'), 100);
    };
    e = (await caught(run())) as TrainerError;
    expect(e.errorClass).toBe('killed');
    expect(e.message).toMatch(/deadline of 600 s.*never started \(ContainerCreating\)/);
    expect(calls('DELETE', JOB_PATH)).toHaveLength(1);
  });

  it('adopts the running Job of an earlier attempt instead of starting a second training', async () => {
    const existing = cluster.addJob(manifest);
    const pod = cluster.startPod(existing);
    cluster.run(pod);
    cluster.print(pod, progress('fit', 0.4));
    const seen: TrainerProgress[] = [];
    const done = run({ onProgress: (p) => seen.push(p) });
    await until(() => cluster.followerCount(pod) > 0, 'the log follower');
    cluster.print(pod, progress('fit', 0.8));
    cluster.exit(pod, 0);
    await done;
    expect(calls('POST', /\/jobs$/)).toHaveLength(1); // answered 409
    expect(cluster.created).toHaveLength(0);
    expect(seen.map((p) => p.fraction)).toEqual([0.4, 0.8]);
    expect(calls('DELETE', JOB_PATH)).toHaveLength(1);
  });

  it('adopts a Job that already succeeded', async () => {
    const existing = cluster.addJob(manifest);
    cluster.finishJob(existing, true);
    await run();
    expect(cluster.created).toHaveLength(0);
    expect(calls('DELETE', JOB_PATH)).toHaveLength(1);
  });

  it('replaces a failed Job of an earlier attempt', async () => {
    const existing = cluster.addJob(manifest);
    cluster.finishJob(existing, false);
    cluster.onCreate = (job) => {
      const pod = cluster.startPod(job);
      cluster.run(pod);
      cluster.exit(pod, 0);
    };
    await run();
    expect(cluster.created).toHaveLength(1);
    expect(calls('DELETE', JOB_PATH)).toHaveLength(2); // the old one, then the finished new one
  });

  it('refuses a Job of the same name that another request made, and leaves it alone', async () => {
    const foreign = structuredClone(manifest);
    foreign.metadata!.labels = { ...foreign.metadata!.labels, 'driftloop.dev/request-hash': 'f'.repeat(63) };
    cluster.addJob(foreign);
    const e = await caught(run());
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(/already exists .* not created by driftloop for this training request/);
    expect(calls('DELETE', JOB_PATH)).toHaveLength(0);
    expect(cluster.jobs.has(JOB)).toBe(true);
  });

  it('deletes the Job and throws a kill when cancelled', async () => {
    const controller = new AbortController();
    let pod: FakePod | undefined;
    cluster.onCreate = (job) => {
      pod = cluster.startPod(job);
      cluster.run(pod);
      cluster.print(pod, progress('fit', 0.2));
    };
    const seen: TrainerProgress[] = [];
    const done = run({ signal: controller.signal, onProgress: (p) => seen.push(p) });
    await until(() => seen.length > 0, 'progress');
    const t0 = Date.now();
    controller.abort();
    const e = (await caught(done)) as TrainerError;
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(e).toBeInstanceOf(TrainerError);
    expect(e.errorClass).toBe('killed');
    expect(e.message).toMatch(/cancelled; the Kubernetes Job .* was deleted/);
    expect(calls('DELETE', JOB_PATH)).toHaveLength(1);
    expect(cluster.jobs.size).toBe(0);
    expect(cluster.followerCount(pod!)).toBe(0);
  });

  it('deletes a leftover Job when cancelled before it starts', async () => {
    cluster.addJob(manifest);
    const controller = new AbortController();
    controller.abort();
    const e = (await caught(run({ signal: controller.signal }))) as TrainerError;
    expect(e.errorClass).toBe('killed');
    expect(cluster.created).toHaveLength(0);
    expect(calls('DELETE', JOB_PATH)).toHaveLength(1);
  });

  it('resumes a broken log stream without repeating lines', async () => {
    let pod: FakePod | undefined;
    cluster.onCreate = async (job) => {
      pod = cluster.startPod(job);
      cluster.run(pod);
      await until(() => cluster.followerCount(pod!) > 0, 'the log follower');
      cluster.print(pod, progress('fit', 0.1));
      cluster.print(pod, progress('fit', 0.2));
      await sleep(50);
      cluster.breakLogStreams(pod);
      cluster.print(pod, progress('fit', 0.3)); // while nobody follows
      // At once, not only after logStallMs (5 s here).
      await until(() => cluster.followerCount(pod!) > 0, 'the log follower to come back', 2_000);
      cluster.print(pod, progress('fit', 0.4));
      await sleep(30);
      cluster.exit(pod, 0);
    };
    const seen: number[] = [];
    await run({ onProgress: (p) => seen.push(p.fraction) });
    expect(seen).toEqual([0.1, 0.2, 0.3, 0.4]);
    const follows = calls('GET', /\/log$/).filter((r) => r.query.get('follow') === 'true');
    expect(follows.length).toBeGreaterThanOrEqual(2);
    expect(follows[1]!.query.get('sinceTime')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('reconnects a log stream that went silent', async () => {
    let pod: FakePod | undefined;
    cluster.onCreate = async (job) => {
      pod = cluster.startPod(job);
      cluster.run(pod);
      await until(() => cluster.followerCount(pod!) > 0, 'the log follower');
      cluster.print(pod, progress('fit', 0.1));
      // The connection stays open but nothing arrives any more (a stuck proxy).
      pod.followers.clear();
      cluster.print(pod, progress('fit', 0.2));
      await until(() => cluster.followerCount(pod!) > 0, 'the log follower to come back', 2_000);
      cluster.print(pod, progress('fit', 0.3));
      await sleep(30);
      cluster.exit(pod, 0);
    };
    const seen: number[] = [];
    await run({ onProgress: (p) => seen.push(p.fraction), timing: { logStallMs: 200 } });
    expect(seen).toEqual([0.1, 0.2, 0.3]);
  });

  it('rides out a few failing API requests', async () => {
    let failures = 0;
    cluster.intercept = (req, res) => {
      if (req.method === 'GET' && JOB_PATH.test(req.path) && failures < 3) {
        failures++;
        status(res, 503, 'ServiceUnavailable', 'etcd is having a moment');
        return true;
      }
      return false;
    };
    cluster.onCreate = (job) => {
      const pod = cluster.startPod(job);
      cluster.run(pod);
      setTimeout(() => cluster.exit(pod, 0), 100);
    };
    await run();
    expect(failures).toBe(3);
    expect(calls('DELETE', JOB_PATH)).toHaveLength(1);
  });

  it('leaves the Job for a retry to adopt when the API stays unreachable', async () => {
    cluster.onCreate = (job) => {
      const pod = cluster.startPod(job);
      cluster.run(pod);
      cluster.intercept = (req, res) => {
        if (req.method === 'DELETE') return false;
        status(res, 503, 'ServiceUnavailable', 'down');
        return true;
      };
    };
    const e = (await caught(run())) as TrainerError;
    expect(e).toBeInstanceOf(TrainerError);
    expect(e.errorClass).toBe('internal_error');
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/kept failing .* left for a retried attempt to adopt/);
    expect(calls('DELETE', JOB_PATH)).toHaveLength(0);
    expect(cluster.jobs.has(JOB)).toBe(true);
  });

  it('turns a refused create into a ConfigError', async () => {
    cluster.intercept = (req, res) => {
      if (req.method !== 'POST') return false;
      status(res, 403, 'Forbidden', `jobs.batch is forbidden: User "system:serviceaccount:ml:worker" cannot create resource "jobs" in API group "batch" in the namespace "${NS}"`);
      return true;
    };
    const e = await caught(run());
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as Error).message).toMatch(/cannot create the training Job .*HTTP 403: jobs\.batch is forbidden/);
  });

  it('fails fast on an image that cannot run, and after a grace period on one that cannot be pulled', async () => {
    cluster.onCreate = (job) => {
      const pod = cluster.startPod(job);
      cluster.waiting(pod, 'InvalidImageName', 'Failed to apply default image tag "Trainer:Bad": invalid reference format');
    };
    const e1 = await caught(run());
    expect(e1).toBeInstanceOf(ConfigError);
    expect((e1 as Error).message).toMatch(/cannot start: InvalidImageName/);
    expect(calls('DELETE', JOB_PATH)).toHaveLength(1);

    cluster.reset();
    cluster.onCreate = (job) => {
      const pod = cluster.startPod(job);
      cluster.waiting(pod, 'ImagePullBackOff', 'Back-off pulling image "trainer:test"');
    };
    const t0 = Date.now();
    const e2 = (await caught(run())) as TrainerError;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(e2.errorClass).toBe('internal_error');
    expect(e2.message).toMatch(/cannot be pulled: ImagePullBackOff/);
    expect(calls('DELETE', JOB_PATH)).toHaveLength(1);
  });

  it('reports a Job deleted behind its back as a kill', async () => {
    cluster.onCreate = (job) => {
      const pod = cluster.startPod(job);
      cluster.run(pod);
      setTimeout(() => cluster.jobs.delete(job.metadata.name), 100);
    };
    const e = (await caught(run())) as TrainerError;
    expect(e.errorClass).toBe('killed');
    expect(e.message).toMatch(/was deleted before it finished/);
  });
});

describe('loadKubeConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('uses the in-cluster service account when KUBERNETES_SERVICE_HOST is set', () => {
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '10.96.0.1');
    vi.stubEnv('KUBERNETES_SERVICE_PORT', '443');
    vi.stubEnv('KUBECONFIG', '/nonexistent/kubeconfig');
    const kc = loadKubeConfig();
    expect(kc.getCurrentCluster()).toMatchObject({ name: 'inCluster', server: 'https://10.96.0.1:443', caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' });
    expect(kc.getCurrentUser()?.authProvider).toMatchObject({ name: 'tokenFile', config: { tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' } });
  });

  it('reads the default kubeconfig otherwise', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'driftloop-kube-'));
    try {
      const file = join(dir, 'config');
      await writeFile(
        file,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{ name: c, cluster: { server: "https://k8s.example.com:6443" } }]',
          'users: [{ name: u, user: { token: t } }]',
          'contexts: [{ name: x, context: { cluster: c, user: u, namespace: ml } }]',
          'current-context: x',
        ].join('\n'),
      );
      vi.stubEnv('KUBERNETES_SERVICE_HOST', '');
      vi.stubEnv('KUBECONFIG', file);
      const kc = loadKubeConfig();
      expect(kc.getCurrentCluster()?.server).toBe('https://k8s.example.com:6443');
      expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('ml');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
