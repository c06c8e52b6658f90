import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DemoSummary } from '../../demo/run-demo.js';
import { freePort } from '../../devserver/dev-server.js';
import { DRIFTLOOP_BIN, driftloop } from '../support/cli.js';
import { isAlive } from '../support/processes.js';

const started: ChildProcessWithoutNullStreams[] = [];
/** Secrets a deployment would configure: the demo never needs them, and its logs and output must never show them. */
const SECRETS = { DRIFTLOOP_GITHUB_TOKEN: `ghp_${randomBytes(18).toString('hex')}`, DRIFTLOOP_GITHUB_WEBHOOK_SECRET: `whsec-${randomBytes(16).toString('hex')}` };
afterAll(() => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
});

/** The real CLI's `demo` in its own DRIFTLOOP_HOME, on free ports (127.0.0.1 only). */
async function startDemo(args: string[]) {
  const home = await mkdtemp(join(tmpdir(), 'driftloop-demo-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [DRIFTLOOP_BIN, 'demo', '--port', String(ports[0]), '--ui-port', String(ports[1]), '--serve-port', String(ports[2]), ...args],
    { env: { ...process.env, ...SECRETS, DRIFTLOOP_HOME: home } },
  );
  started.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  /** Resolves once the output matches, rejects if the CLI exits first or the time runs out. */
  const waitFor = (re: RegExp, ms: number, stream: () => string) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = stream().match(re);
        if (m) {
          clearInterval(timer);
          resolve(m);
        } else if (child.exitCode !== null || Date.now() > deadline) {
          clearInterval(timer);
          reject(new Error(`no ${re} (exit ${child.exitCode}):\n${stdout}\n${stderr}`));
        }
      }, 100);
      const deadline = Date.now() + ms;
    });
  return { child, home, exited, waitFor, out: () => stdout, err: () => stderr };
}

/** Processes (other than this test's) whose command line or environment mention `needle`: what the demo started. */
async function processesMentioning(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const [cmdline, environ] = await Promise.all([
      readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => ''),
      readFile(`/proc/${entry}/environ`, 'utf8').catch(() => ''),
    ]);
    if ((cmdline.includes(needle) || environ.includes(needle)) && isAlive(Number(entry))) pids.push(Number(entry));
  }
  return pids;
}

describe('driftloop demo', () => {
  it('refuses a bad flag with one line naming it, before starting anything', async () => {
    const { code, stdout, stderr } = await driftloop(['demo', '--drift-day', '9', '--days', '6']);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe('driftloop: error: --drift-day must be an integer from 2 to 6, not "9"');
  });

  it('--json --keep: serves drifting traffic with late labels, a scheduled pass retrains and promotes, serving switches with no failed request; the report link answers; Ctrl-C stops everything', async () => {
    const demo = await startDemo(['--json', '--keep', '--days', '6', '--drift-day', '3', '--day-seconds', '5']);
    const temporalPid = Number((await demo.waitFor(/Temporal dev server \S+ \(pid (\d+)\)/, 90_000, demo.err))[1]);
    const [line] = await demo.waitFor(/^\{"model":"churn".*\}$/m, 200_000, demo.out);
    const s = JSON.parse(line!) as DemoSummary;

    // The traffic: every prediction answered, every label accepted, across the switch of version.
    // (A day runs over, at the same pace, while the night's pass of the day before still works.)
    expect(s.requests).toMatchObject({ failed: 0, labelsFailed: 0 });
    for (const d of s.days) expect(d.served).toBeGreaterThanOrEqual(400);
    expect(s.requests.labelled).toBe(s.days.slice(0, 5).reduce((n, d) => n + d.served, 0));
    expect(s.days.map((d) => d.drifted)).toEqual([false, false, true, true, true, true]);
    // Passes: the first trains v1; before the drift nothing is retrained; the drift is seen on day 3's traffic.
    expect(s.passes.map((p) => p.after)).toEqual(['bootstrap', 1, 2, 3, 4, 5, 6]);
    expect(s.passes[0]).toMatchObject({ decision: 'bootstrapped', promotedVersion: 1 });
    expect(s.passes.slice(1, 3).map((p) => p.decision)).toEqual(['no-retrain', 'no-retrain']);
    expect(s.passes[3]!.drift).toMatchObject({ detected: true });
    expect(s.passes[3]!.drift!.drifted).toContain('monthly_charges');
    // Labels arrive a day late: the pass after day 2 measures day 1's 400 labelled rows.
    expect(s.passes[2]!.monitor).toMatchObject({ version: 1, labelledRows: 400 });
    // A promotion after the drift began, through the sandbox, and serving followed it under live traffic.
    const decisions = JSON.stringify(s.passes.map((p) => [p.after, p.decision, p.monitor?.value, p.evaluation]));
    expect(s.promotion, decisions).not.toBeNull();
    expect(s.promotion!.after as number).toBeGreaterThanOrEqual(3);
    expect(s.promotion!.after as number).toBeLessThan(6);
    expect(s.promotion!.evaluation!.won).toBe(true);
    expect(s.swaps).toContainEqual({ from: String(s.promotion!.from), to: String(s.promotion!.to), day: (s.promotion!.after as number) + 1 });
    expect(s.versions.registered).toBeGreaterThanOrEqual(2);
    expect(s.versions.final).toBe(s.passes.filter((p) => p.promotedVersion !== null).at(-1)!.promotedVersion);
    expect(s.metric.afterVersion).toBe(s.versions.final);
    // The monitor's accuracy on drifted served traffic: the new champion beats the first one.
    expect(s.metric.before).not.toBeNull();
    expect(s.metric.after!).toBeGreaterThan(s.metric.before!);
    // The switch happened within a day's traffic: both versions answered that day.
    expect(Object.keys(s.days[(s.promotion!.after as number)]!.byVersion).sort()).toEqual([String(s.promotion!.from), String(s.promotion!.to)].sort());

    // --keep: the serving process still answers, with the pass's HTML report, and the Web UI link resolves.
    const report = await fetch(s.links.report!);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toMatch(/text\/html/);
    expect(s.links.temporalRun).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/namespaces\/default\/workflows\/retrain-churn\/[0-9a-f-]+\/history$/);
    expect((await fetch(s.links.temporalRun!)).status).toBe(200);
    // Everything stays inspectable under DRIFTLOOP_HOME.
    for (const path of ['demo/registry.sqlite', 'demo/example/pipeline.yaml', 'demo/example/current.csv', 'temporal/temporal.sqlite']) {
      await stat(join(demo.home, path));
    }

    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(isAlive(temporalPid)).toBe(false);
    expect(await processesMentioning(demo.home)).toEqual([]);
    await expect(fetch(s.links.serving + '/ping')).rejects.toThrow();

    // The run's logs (the worker's and serving's JSON lines, under DRIFTLOOP_HOME) and its output never show a configured secret.
    const log = await readFile(join(demo.home, 'demo-logs', 'driftloop.log'), 'utf8');
    const lines = log.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(JSON.parse(l), l).toMatchObject({ level: expect.any(String), time: expect.any(String), msg: expect.any(String) });
    for (const secret of Object.values(SECRETS)) for (const text of [log, demo.out(), demo.err()]) expect(text.includes(secret)).toBe(false);
  }, 300_000);

  it('Ctrl-C while the first version trains stops the trainer, the worker, the serving process and the Temporal server, exit 130', async () => {
    const demo = await startDemo([]);
    const temporalPid = Number((await demo.waitFor(/Temporal dev server \S+ \(pid (\d+)\)/, 90_000, demo.out))[1]);
    await demo.waitFor(/first pass \(no model yet\) ▸ retrain/, 120_000, demo.out);
    // The trainer is a child process of the worker: wait until it runs, then interrupt.
    const deadline = Date.now() + 30_000;
    let children: number[] = [];
    while (children.length === 0 && Date.now() < deadline) {
      children = (await processesMentioning(demo.home)).filter((pid) => pid !== demo.child.pid && pid !== temporalPid);
      if (children.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(children.length).toBeGreaterThan(0);
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(130);
    expect(demo.out()).toMatch(/interrupted; stopped the serving process, the worker and the Temporal dev server/);
    expect(isAlive(temporalPid)).toBe(false);
    for (const pid of children) expect(isAlive(pid)).toBe(false);
    expect(await processesMentioning(demo.home)).toEqual([]);
  }, 200_000);
});
