/**
 * Real-time serving, one row per request: driftloop's HTTP server (its
 * vetiver-compatible POST /predict and the Open Inference Protocol's
 * POST /v2/models/{name}/infer) against its peers — vetiver (VetiverAPI on
 * uvicorn) and MLServer (sklearn runtime, V2) serving the same
 * gradient-boosting pipeline — and against the physical limit, onnxruntime-node
 * running the same ONNX model in-process. One run, the same data, the same
 * payload rows and the same load generator (autocannon, in this process; every
 * server is a child process on 127.0.0.1), then the ratios.
 *
 * The peers live in their own venv (.venv-bench, from bench/requirements-peers.txt),
 * created here on first use: their pins must not reach the trainer's venv.
 *
 * Knobs (environment): BENCH_SECONDS per measurement (3), BENCH_ROUNDS (3; every
 * figure is the median over rounds, and rounds interleave the servers so that
 * noise from other processes hits them alike), BENCH_ROWS in the data set (20000).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { projectRoot } from '../config/paths.js';
import { mulberry32 } from '../dataset/synthetic.js';
import { trainFile } from '../training/train-file.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ROWS = Number(process.env.BENCH_ROWS ?? 20_000);
const CONNECTIONS = [1, 16, 64] as const;
const NUMERIC = 20;
const CATEGORICAL = 5;
const TARGET = 'y';
const MODEL = 'gbc';
const SEED = 42;
const TREES = 200;
const DEPTH = 3;
/** Distinct payload rows, cycled through by every connection. */
const PAYLOAD_ROWS = 256;

const run = promisify(execFile);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

// --- autocannon (CommonJS, no bundled types: the part used here) -------------

interface CannonRequest {
  method: 'POST' | 'GET';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}
interface CannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  timeout?: number;
  requests: CannonRequest[];
}
interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}
type Autocannon = (opts: CannonOptions, done: (err: Error | null, result: CannonResult) => void) => EventEmitter;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Load {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
}

/** One autocannon run; latencies (ms, exact: autocannon's own histogram keeps whole milliseconds) from its per-response events. */
function cannon(url: string, requests: CannonRequest[], connections: number, seconds: number): Promise<Load> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const instance = autocannon({ url, connections, duration: seconds, pipelining: 1, timeout: 20, requests }, (err, res) => {
      if (err) return reject(err);
      latencies.sort((a, b) => a - b);
      const q = (p: number) => latencies[Math.max(0, Math.ceil(p * latencies.length) - 1)] ?? NaN;
      resolve({ rps: res['2xx'] / res.duration, p50: q(0.5), p99: q(0.99), failed: res.errors + res.timeouts + res.non2xx });
    });
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

// --- data -------------------------------------------------------------------

type Row = Record<string, number | string>;

const numericNames = Array.from({ length: NUMERIC }, (_, j) => `num_${String(j).padStart(2, '0')}`);
const categoricalNames = Array.from({ length: CATEGORICAL }, (_, k) => `cat_${k}`);
const LEVELS = [3, 4, 5, 6, 8];

/** A deterministic binary-classification table: 20 numeric features of assorted shapes, 5 categorical ones, a logistic target. */
function generate(rows: number, seed: number): Row[] {
  const rand = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const weights = numericNames.map((_, j) => (j < 10 ? (j % 2 ? -1 : 1) * (0.2 + 0.08 * j) : 0.05));
  const levelEffect = LEVELS.map((n, k) => Array.from({ length: n }, (_, i) => ((i * 7 + k * 3) % 5) * 0.3 - 0.6));
  const out: Row[] = [];
  for (let r = 0; r < rows; r++) {
    const row: Row = {};
    const z: number[] = [];
    numericNames.forEach((name, j) => {
      let v: number;
      let std: number;
      switch (j % 4) {
        case 0: v = 50 + 10 * normal(); std = (v - 50) / 10; break; // a measurement
        case 1: v = 100 * rand(); std = (v - 50) / 29; break; // a percentage
        case 2: v = Math.exp(normal() * 0.8 + 3); std = Math.log(v) - 3; break; // an amount (log-normal)
        default: v = -Math.log(1 - rand()) * 5; std = v / 5 - 1; // a waiting time
      }
      row[name] = Math.round(v * 1000) / 1000;
      z.push(std);
    });
    let logit = -0.2;
    z.forEach((s, j) => (logit += weights[j]! * s));
    logit += 0.6 * z[0]! * z[1]! + (z[2]! > 0.5 ? 0.8 : 0);
    categoricalNames.forEach((name, k) => {
      const n = LEVELS[k]!;
      const i = Math.min(n - 1, Math.floor(n * rand() ** 1.4)); // skewed: the first levels are the common ones
      row[name] = String.fromCharCode(65 + i);
      logit += levelEffect[k]![i]!;
    });
    row[TARGET] = rand() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    out.push(row);
  }
  return out;
}

function toCsv(rows: Row[]): string {
  const header = [...numericNames, ...categoricalNames, TARGET];
  return [header.join(','), ...rows.map((r) => header.map((h) => r[h]).join(','))].join('\n') + '\n';
}

function features(row: Row): Row {
  const f: Row = {};
  for (const n of [...numericNames, ...categoricalNames]) f[n] = row[n]!;
  return f;
}

/** The V2 body both V2 servers get: one tensor per column; MLServer's codec hints (pd, str) are ignored by driftloop. */
function v2Body(rows: Row[]): string {
  const inputs = [
    ...numericNames.map((name) => ({ name, datatype: 'FP64', shape: [rows.length], data: rows.map((r) => r[name]) })),
    ...categoricalNames.map((name) => ({ name, datatype: 'BYTES', shape: [rows.length], parameters: { content_type: 'str' }, data: rows.map((r) => r[name]) })),
  ];
  return JSON.stringify({ parameters: { content_type: 'pd' }, inputs });
}

// --- the peers' venv ----------------------------------------------------------

const benchVenv = join(projectRoot, '.venv-bench');
const benchPython = join(benchVenv, 'bin', 'python');

/** Creates .venv-bench from bench/requirements-peers.txt unless its stamp says it is current; pip's own error otherwise. */
function ensurePeerVenv(): void {
  const requirements = join(projectRoot, 'bench', 'requirements-peers.txt');
  const want = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const stamp = join(benchVenv, '.driftloop-bench');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === want && existsSync(benchPython)) return;
  const python = process.env.PYTHON ?? 'python3';
  const sh = (cmd: string, args: string[], what: string) => {
    const r = spawnSync(cmd, args, { cwd: projectRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) {
      process.stderr.write(r.stdout ?? '');
      process.stderr.write(r.stderr ?? '');
      throw new Error(`${what} failed (${r.error?.message ?? `exit ${r.status}`}); see the output above`);
    }
  };
  if (!existsSync(benchPython)) {
    log(`creating the peers' venv ${benchVenv} (vetiver, MLServer; first run only)`);
    sh(python, ['-m', 'venv', benchVenv], `${python} -m venv .venv-bench`);
  }
  log('installing bench/requirements-peers.txt into .venv-bench (about a minute)');
  sh(benchPython, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], 'pip install -r bench/requirements-peers.txt into .venv-bench');
  writeFileSync(stamp, want + '\n');
}

// --- child processes ----------------------------------------------------------

interface Child {
  name: string;
  proc: ChildProcess;
  output: () => string;
}
const children: Child[] = [];

function start(name: string, cmd: string, args: string[], cwd: string): Child {
  // Own process group: stopping it reaches whatever the server spawned, and nothing else.
  const proc = spawn(cmd, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PYTHONUNBUFFERED: '1' } });
  let out = '';
  const keep = (b: Buffer) => (out = (out + b.toString('utf8')).slice(-20_000));
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const child = { name, proc, output: () => out };
  children.push(child);
  return child;
}

async function stopAll(): Promise<void> {
  await Promise.all(
    children.splice(0).map(
      ({ proc }) =>
        new Promise<void>((resolve) => {
          if (proc.exitCode !== null || proc.signalCode !== null || proc.pid === undefined) return resolve();
          const kill = (sig: NodeJS.Signals) => {
            try {
              process.kill(-proc.pid!, sig);
            } catch {
              /* already gone */
            }
          };
          const hard = setTimeout(() => kill('SIGKILL'), 5000);
          proc.once('exit', () => {
            clearTimeout(hard);
            resolve();
          });
          kill('SIGTERM');
        }),
    ),
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Waits until GET url answers 200 (or the child dies, or a minute passes). */
async function ready(child: Child, url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.proc.exitCode !== null) throw new Error(`${child.name} exited (${child.proc.exitCode}) before it was ready:\n${child.output()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`${child.name} not ready at ${url} after 60 s:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** driftloop's server as a child process: `driftloop serve --onnx` (CLI defaults), or, while the CLI lacks the command, the same server through createServingServer. */
async function startDriftloop(onnxPath: string): Promise<{ child: Child; url: string; how: string }> {
  const bin = join(projectRoot, 'bin', 'driftloop.js');
  const probe = spawnSync(process.execPath, [bin, 'serve', '--help'], { cwd: projectRoot, encoding: 'utf8' });
  const cli = probe.status === 0 && probe.stdout.includes('--onnx');
  const args = cli
    ? [bin, 'serve', '--onnx', onnxPath, '--name', MODEL, '--port', '0']
    : [fileURLToPath(import.meta.url), '--serve-child', onnxPath];
  // The micro-batching defaults the server runs with, as its --help states them.
  const dflt = (flag: string) => new RegExp(`${flag} [\\s\\S]*?\\(default: "(\\d+)"\\)`).exec(probe.stdout ?? '')?.[1] ?? '?';
  const how = cli
    ? `driftloop serve --onnx (defaults: micro-batches of ≤ ${dflt('--max-batch')} rows, ≤ ${dflt('--max-wait-ms')} ms wait)`
    : 'createServingServer (defaults) in a child process';
  const child = start('driftloop', process.execPath, args, projectRoot);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const m = /serving .* at (http:\/\/\S+)/.exec(child.output());
    if (m) return { child, url: m[1]!, how };
    if (child.proc.exitCode !== null) throw new Error(`driftloop serve exited (${child.proc.exitCode}):\n${child.output()}`);
    if (Date.now() > deadline) throw new Error(`driftloop serve printed no address after 60 s:\n${child.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `--serve-child MODEL.onnx`: serving/server.ts with its defaults (what `driftloop serve --onnx` passes), until SIGTERM. */
async function serveChild(onnxPath: string): Promise<void> {
  const { createServingServer } = await import('../serving/server.js');
  const server = await createServingServer({ source: { onnx: onnxPath, name: MODEL }, port: 0, logger: { level: 'warn' } });
  const m = server.follower.current.identity;
  console.log(`serving ${m.name} version ${m.version} (${m.source}) at ${server.url}`);
  await new Promise<void>((resolve) => process.once('SIGTERM', resolve));
  await server.close();
}

// --- the physical limit -------------------------------------------------------

/** onnxruntime-node in this process, the server's session options (1 intra-op thread, all graph optimisations), pre-built tensors: best of 3. */
async function inProcessLimit(onnxPath: string, rows: Row[], batch: number): Promise<number> {
  const session = await ort.InferenceSession.create(readFileSync(onnxPath), { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
  const feeds: Record<string, ort.Tensor>[] = [];
  for (let at = 0; at + batch <= rows.length; at += batch) {
    const part = rows.slice(at, at + batch);
    const f: Record<string, ort.Tensor> = {};
    for (const n of numericNames) f[n] = new ort.Tensor('float32', Float32Array.from(part, (r) => r[n] as number), [batch, 1]);
    for (const n of categoricalNames) f[n] = new ort.Tensor('string', part.map((r) => r[n] as string), [batch, 1]);
    feeds.push(f);
  }
  for (let i = 0; i < 50; i++) await session.run(feeds[i % feeds.length]!);
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let done = 0;
    let i = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 1500) {
      await session.run(feeds[i++ % feeds.length]!);
      done += batch;
    }
    best = Math.max(best, done / ((performance.now() - t0) / 1000));
  }
  await session.release();
  return best;
}

// --- main ---------------------------------------------------------------------

interface Target {
  label: string;
  url: string;
  requests: CannonRequest[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function labelsOf(url: string, body: string, pick: (json: any) => unknown[]): Promise<string[]> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url} → ${res.status}: ${text.slice(0, 500)}`);
  return pick(JSON.parse(text)).map(String);
}

function agreement(a: string[], b: string[]): string {
  const same = a.filter((x, i) => x === b[i]).length;
  return `${((100 * same) / a.length).toFixed(1)}%`;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const loadBefore = os.loadavg();
  ensurePeerVenv();
  const dir = mkdtempSync(join(os.tmpdir(), 'driftloop-bench-serve-'));
  try {
    const data = generate(ROWS, SEED);
    const csv = join(dir, 'data.csv');
    writeFileSync(csv, toCsv(data));
    const payload = data.slice(-PAYLOAD_ROWS).map(features);

    log(`training the ${TREES}-tree model twice, in parallel: ONNX with trainFile, the peers' pickle in .venv-bench`);
    const [onnx, peer] = await Promise.all([
      (async () => {
        const t = performance.now();
        const r = await trainFile({
          data: csv,
          target: TARGET,
          out: join(dir, 'onnx'),
          task: 'binary',
          estimator: 'gradient_boosting',
          params: { n_estimators: TREES, max_depth: DEPTH },
          seed: SEED,
          name: MODEL,
        });
        return { ...r, seconds: (performance.now() - t) / 1000 };
      })(),
      (async () => {
        const { stdout } = await run(
          benchPython,
          [join(projectRoot, 'bench', 'serve_peers', 'train_sklearn.py'), '--data', csv, '--target', TARGET, '--out', join(dir, 'peer', MODEL),
            '--n-estimators', String(TREES), '--max-depth', String(DEPTH), '--seed', String(SEED)],
          { cwd: projectRoot, maxBuffer: 16 * 1024 * 1024 },
        );
        return JSON.parse(stdout) as { seconds: number; accuracy: number; sklearn: string };
      })(),
    ]);

    log('in-process onnxruntime-node limit');
    const limit1 = await inProcessLimit(onnx.model, payload, 1);
    const limit64 = await inProcessLimit(onnx.model, payload, 64);

    log('starting driftloop, vetiver and MLServer');
    const dl = await startDriftloop(onnx.model);
    const vetPort = await freePort();
    const vet = start('vetiver', benchPython, [join(projectRoot, 'bench', 'serve_peers', 'vetiver_app.py'),
      '--model', join(dir, 'peer', MODEL, 'model.joblib'), '--data', csv, '--target', TARGET, '--name', MODEL, '--port', String(vetPort)], dir);
    const [mlHttp, mlGrpc, mlMetrics] = [await freePort(), await freePort(), await freePort()];
    const mlDir = join(dir, 'peer');
    // parallel_workers 0: inference in the server process itself, like driftloop's
    // and vetiver's single process (a worker pool would take the load generator's core).
    // Metrics server off, debug off (no access log): MLServer at its leanest.
    // (With these pins parallel_workers 1 does not start anyway: the worker's
    // asyncio.get_event_loop() fails under uvloop 0.23.)
    writeFileSync(join(mlDir, 'settings.json'), JSON.stringify({
      debug: false, host: '127.0.0.1', http_port: mlHttp, grpc_port: mlGrpc, metrics_port: mlMetrics, metrics_endpoint: null, parallel_workers: 0,
    }));
    writeFileSync(join(mlDir, MODEL, 'model-settings.json'), JSON.stringify({
      name: MODEL, implementation: 'mlserver_sklearn.SKLearnModel', parameters: { uri: './model.joblib', version: 'v1' },
    }));
    const ml = start('MLServer', join(benchVenv, 'bin', 'mlserver'), ['start', mlDir], mlDir);
    const vetUrl = `http://127.0.0.1:${vetPort}`;
    const mlUrl = `http://127.0.0.1:${mlHttp}`;
    await Promise.all([ready(dl.child, `${dl.url}/v2/health/ready`), ready(vet, `${vetUrl}/ping`), ready(ml, `${mlUrl}/v2/models/${MODEL}/ready`)]);

    // Same rows everywhere: every server must answer them, and the two
    // pipelines (ONNX from the trainer, the peers' pickle) must mostly agree.
    const records = JSON.stringify(payload);
    const v2 = v2Body(payload);
    const dlPredict = await labelsOf(`${dl.url}/predict`, records, (j) => j.predict);
    const dlV2 = await labelsOf(`${dl.url}/v2/models/${MODEL}/infer`, v2, (j) => j.outputs.find((o: any) => o.name === 'label').data);
    const vetPredict = await labelsOf(`${vetUrl}/predict`, records, (j) => j.predict);
    const mlV2 = await labelsOf(`${mlUrl}/v2/models/${MODEL}/infer`, v2, (j) => j.outputs.find((o: any) => o.name === 'predict').data);
    if (agreement(dlPredict, dlV2) !== '100.0%') throw new Error('driftloop /predict and V2 disagree on the same rows');
    if (agreement(vetPredict, mlV2) !== '100.0%') throw new Error('vetiver and MLServer disagree on the same rows (same pickle)');

    const json = { 'content-type': 'application/json' };
    const one = (path: string, body: (r: Row) => string): CannonRequest[] =>
      payload.map((r) => ({ method: 'POST', path, headers: json, body: body(r) }));
    const targets: Target[] = [
      { label: 'driftloop POST /predict', url: dl.url, requests: one('/predict', (r) => JSON.stringify([r])) },
      { label: 'driftloop POST /v2/…/infer', url: dl.url, requests: one(`/v2/models/${MODEL}/infer`, (r) => v2Body([r])) },
      { label: 'vetiver POST /predict', url: vetUrl, requests: one('/predict', (r) => JSON.stringify([r])) },
      { label: 'MLServer POST /v2/…/infer', url: mlUrl, requests: one(`/v2/models/${MODEL}/infer`, (r) => v2Body([r])) },
    ];

    const samples = new Map<string, Load[]>();
    for (let round = 0; round < ROUNDS; round++) {
      log(`load round ${round + 1}/${ROUNDS}`);
      for (const c of CONNECTIONS) {
        for (const t of targets) {
          if (round === 0) await cannon(t.url, t.requests, c, 1); // warm-up
          const key = `${t.label}|${c}`;
          samples.set(key, [...(samples.get(key) ?? []), await cannon(t.url, t.requests, c, SECONDS)]);
        }
      }
    }
    // What the load generator and an HTTP round trip cost without a model: a ceiling for every row above.
    const ceiling = await cannon(dl.url, [{ method: 'GET', path: '/v2/health/live' }], 64, SECONDS);
    await stopAll();

    const stat = (label: string, c: number) => {
      const s = samples.get(`${label}|${c}`)!;
      return { rps: median(s.map((x) => x.rps)), p50: median(s.map((x) => x.p50)), p99: median(s.map((x) => x.p99)), failed: s.reduce((n, x) => n + x.failed, 0), all: s };
    };

    // --- report ----------------------------------------------------------------
    const cpu = os.cpus();
    const [pyVersion, vetVersion, mlVersion] = spawnSync(
      benchPython,
      ['-c', 'import sys; from importlib.metadata import version as v; print(sys.version.split()[0], v("vetiver"), v("mlserver"))'],
      { encoding: 'utf8' },
    ).stdout.trim().split(' ');
    const fmt = (n: number, d = 0) => n.toLocaleString('en', { minimumFractionDigits: d, maximumFractionDigits: d });
    const ms = (n: number) => `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms`;
    const acc = onnx.card.metrics.accuracy;
    console.log(`Real-time serving, one row per request (median of ${ROUNDS} rounds of ${SECONDS} s; autocannon ${createRequire(import.meta.url)('autocannon/package.json').version}, in the bench process)`);
    console.log(`  machine   ${cpu.length} × ${cpu[0]?.model.trim() ?? '?'}, ${fmt(os.totalmem() / 2 ** 30)} GiB, ${os.type()} ${os.release()}, Node ${process.versions.node}, Python ${pyVersion}`);
    console.log(`            load average (1/5/15 min) ${loadBefore.map((l) => l.toFixed(2)).join(' ')} at the start, ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at the end (other processes share the cores)`);
    console.log(`  model     ${TREES}-tree GradientBoostingClassifier (max_depth ${DEPTH}), ${NUMERIC} numeric + ${CATEGORICAL} categorical features, ${fmt(ROWS)} rows (seed ${SEED})`);
    console.log(`            ONNX via trainFile: validation accuracy ${acc === undefined || acc === null ? '?' : acc.toFixed(4)}, ${onnx.seconds.toFixed(1)} s with conversion and parity check`);
    console.log(`            peers' pickle (scikit-learn ${peer.sklearn}): validation accuracy ${peer.accuracy.toFixed(4)}, fit ${peer.seconds.toFixed(1)} s; labels agree with driftloop's on ${agreement(dlPredict, vetPredict)} of the ${PAYLOAD_ROWS} payload rows`);
    console.log(`  servers   driftloop: ${dl.how}, 1 process; answers label + probabilities`);
    console.log(`            vetiver ${vetVersion}: VetiverAPI(check_prototype=True) on uvicorn (uvloop, httptools), 1 process; answers predict (labels) only`);
    console.log(`            MLServer ${mlVersion}: sklearn runtime, parallel_workers 0, metrics server and access log off; answers predict (labels) only`);
    console.log(`  payload   ${PAYLOAD_ROWS} distinct rows, cycled; one row per request: records ${Buffer.byteLength(targets[0]!.requests[0]!.body!)} B (/predict), V2 JSON ${Buffer.byteLength(targets[1]!.requests[0]!.body!)} B (same body to both V2 servers)`);
    console.log('');
    console.log('  configuration                      conns      req/s     rows/s        p50        p99  [req/s per round]');
    const line = (label: string, c: number | string, rps: number, p50: string, p99: string, note = '') =>
      console.log(`  ${label.padEnd(33)} ${String(c).padStart(5)} ${fmt(rps).padStart(10)} ${fmt(rps).padStart(10)} ${p50.padStart(10)} ${p99.padStart(10)}${note}`);
    console.log(`  ${'in-process onnxruntime, batch 1'.padEnd(33)} ${'-'.padStart(5)} ${'-'.padStart(10)} ${fmt(limit1).padStart(10)}`);
    console.log(`  ${'in-process onnxruntime, batch 64'.padEnd(33)} ${'-'.padStart(5)} ${'-'.padStart(10)} ${fmt(limit64).padStart(10)}`);
    for (const t of targets) {
      for (const c of CONNECTIONS) {
        const s = stat(t.label, c);
        const spread = `  [${s.all.map((x) => fmt(x.rps)).join(', ')}]`;
        line(t.label, c, s.rps, ms(s.p50), ms(s.p99), (s.failed ? `  ${s.failed} failed!` : '') + spread);
      }
    }
    line('ceiling: GET /v2/health/live', 64, ceiling.rps, ms(ceiling.p50), ms(ceiling.p99), '  (no model: HTTP + load generator)');
    console.log('');

    const dlP = (c: number) => stat(targets[0]!.label, c);
    const dlV = (c: number) => stat(targets[1]!.label, c);
    const vet64 = stat(targets[2]!.label, 64);
    const ml64 = stat(targets[3]!.label, 64);
    const ml16 = stat(targets[3]!.label, 16);
    const vet16 = stat(targets[2]!.label, 16);
    const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const rVet = dlP(64).rps / vet64.rps;
    const rMl = dlV(64).rps / ml64.rps;
    const rLimP = dlP(64).rps / limit64;
    const rLimV = dlV(64).rps / limit64;
    console.log('  ratios (throughput at 64 connections; p99 at 16 connections)');
    console.log(`    driftloop /predict / vetiver /predict      ${rVet.toFixed(1)}×   target ≥ 10×: ${verdict(rVet >= 10)}`);
    console.log(`    driftloop V2 / MLServer V2                 ${rMl.toFixed(1)}×   target ≥ 3×: ${verdict(rMl >= 3)}`);
    console.log(`    driftloop /predict / in-process batch 64   ${(100 * rLimP).toFixed(0)}%   target ≥ 50%: ${verdict(rLimP >= 0.5)}`);
    console.log(`    driftloop V2 / in-process batch 64         ${(100 * rLimV).toFixed(0)}%   target ≥ 50%: ${verdict(rLimV >= 0.5)}`);
    console.log(`    p99 at 16: driftloop /predict ${ms(dlP(16).p99)}, V2 ${ms(dlV(16).p99)}   target ≤ 5 ms: /predict ${verdict(dlP(16).p99 <= 5)}, V2 ${verdict(dlV(16).p99 <= 5)}`);
    console.log(`    p99 at 16: vetiver's is ${(vet16.p99 / dlP(16).p99).toFixed(0)}× driftloop /predict's, MLServer's ${(ml16.p99 / dlV(16).p99).toFixed(0)}× driftloop V2's`);
    console.log(`  total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve-child') {
  await serveChild(process.argv[3]!);
} else {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void stopAll().finally(() => process.exit(130));
    });
  }
  try {
    await main();
  } catch (err) {
    await stopAll();
    console.error(`bench:serve failed: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
