import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { passWorkflowId, startPass } from '../../client/pass.js';
import { loadPipelineConfig } from '../../config/load.js';
import type { PipelineConfig } from '../../config/pipeline.js';
import { writeExampleProject } from '../../demo/example.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { isAlive, trainerPids } from '../support/processes.js';
import { startWorkerProcess, type ActivityEvent, type WorkerProcess } from '../support/worker-process.js';

/**
 * SIGKILL the worker process during each activity of a pass in turn, start a
 * new one, and check that the pass still completes having registered exactly
 * one version and moved `champion` at most once.
 *
 * "During": the worker's DEBUG log says when an activity starts (the kill
 * follows in the same tick), and the activities that write the registry are
 * held at their write by a transaction this test keeps open on the registry's
 * SQLite file — the same busy wait a second process writing the registry
 * would cause. After the kill the server must still list an activity as
 * started on the dead worker; if this process was too slow to react (a
 * machine busy with other suites), that is a later activity than the one
 * aimed at, which is reported, and the durability checks apply to it.
 */

const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
/** Generous: on a machine busy with other suites a pass can take minutes to reach its last stage. */
const KILL_WAIT_MS = 150_000;
const SCENARIO_TIMEOUT_MS = 300_000;

interface Scenario {
  /** The activity to kill the worker in, and which of its starts in the pass (promote runs twice: register, then move). */
  activity: string;
  nth: number;
  label: string;
  /** Hold the registry's write lock from this point, so the activity is caught at its write. */
  holdRegistryFrom: 'pass-start' | { completed: string; nth: number } | { started: string; nth: number } | 'candidate-registered' | null;
  /** How the start is seen: the worker's log line (default), or the server's pending activities, polled (for nth 1). */
  cue?: 'log' | 'pending';
}

// For evaluate and both promotes the start is seen by polling the server's pending activities, a cue that
// does not depend on when the worker's log line arrives.
// The moving promote is held at its write by the registry lock, taken as soon as this test's own registry
// connection sees the candidate the registering promote committed ('candidate-registered'); it is told from
// the registering one by the history (a promote with another activity id already completed).
// reportRun only reads the registry (WAL: a writer does not block readers) and writes its report file
// atomically; nothing holds it, so a kill cannot be aimed at it (docs/reliability.md).
const SCENARIOS: Scenario[] = [
  { label: 'monitor', activity: 'monitor', nth: 1, holdRegistryFrom: 'pass-start' },
  { label: 'drift', activity: 'drift', nth: 1, holdRegistryFrom: { completed: 'monitor', nth: 1 } },
  { label: 'retrain (trainer running)', activity: 'retrain', nth: 1, holdRegistryFrom: null },
  { label: 'evaluate', activity: 'evaluate', nth: 1, holdRegistryFrom: null, cue: 'pending' },
  { label: 'promote (registering the candidate)', activity: 'promote', nth: 1, holdRegistryFrom: { started: 'retrain', nth: 1 }, cue: 'pending' },
  { label: 'promote (moving champion)', activity: 'promote', nth: 2, holdRegistryFrom: 'candidate-registered', cue: 'pending' },
  { label: 'validateInSandbox (candidate being served)', activity: 'validateInSandbox', nth: 1, holdRegistryFrom: null },
];

interface Project {
  model: string;
  steady: PipelineConfig;
  drifted: PipelineConfig;
}

let home: string;
let taskQueue: string;
let env: Record<string, string>;
let client: Client;
let connection: Connection;
let registry: SqlRegistry;
let worker: WorkerProcess;
const projects = new Map<string, Project>();
const figures: { label: string; recoverMs: number; attempt: number }[] = [];

async function project(dir: string, sandbox: boolean): Promise<Project> {
  const model = `kill-${randomUUID().slice(0, 8)}`;
  const p = await writeExampleProject(dir, {
    model,
    // Enough rows that monitor, drift and evaluate take a few hundred milliseconds; a small ensemble trains in seconds.
    rows: 10_000,
    overrides: {
      // The serving sandbox is a stage of its own with its own scenario; elsewhere it is off to keep the file quick.
      // Its latency budget is generous: the machine is busy with the other tests.
      sandbox: sandbox ? { requests: 20, latencyBudgetMs: 10_000 } : { enabled: false },
      // The bootstrap interval makes evaluate last long enough (hundreds of ms) for the kill to land inside it.
      evaluation: { holdoutFraction: 0.3, margin: 0.01, bootstrap: { iterations: 10_000 } },
      trainer: {
        estimator: 'gradient_boosting',
        params: { n_estimators: 30, max_depth: 3 },
        seed: 7,
        validation: { policy: 'random', fraction: 0.2 },
        timeoutMinutes: 30,
        // The retrain stage's heartbeat timeout: a dead trainer's worker is noticed in 5 s.
        heartbeatSeconds: 5,
        retry: { maximumAttempts: 3, initialIntervalSeconds: 1, backoffCoefficient: 2, maximumIntervalSeconds: 10 },
      },
    },
  });
  return { model, steady: await loadPipelineConfig(p.steadyConfig), drifted: await loadPipelineConfig(p.driftedConfig) };
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'driftloop-kill-'));
  taskQueue = `kill-${randomUUID()}`;
  env = {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    DRIFTLOOP_TASK_QUEUE: taskQueue,
    DRIFTLOOP_HOME: home,
    DRIFTLOOP_DATABASE_URL: '',
  };
  connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS! });
  client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE! });
  worker = await startWorkerProcess(env);
  registry = await openSqliteRegistry(home);
  // One model per scenario, each bootstrapped (champion v1 on the steady data) by an undisturbed pass.
  await Promise.all(
    SCENARIOS.map(async (s, i) => {
      const p = await project(join(home, `project-${i}`), s.activity === 'validateInSandbox');
      projects.set(s.label, p);
      const first = await (await startPass(client, p.steady, { taskQueue })).result();
      expect(first.decision).toBe('bootstrapped');
    }),
  );
}, SCENARIO_TIMEOUT_MS);

afterAll(async () => {
  worker?.kill();
  await registry?.close();
  await connection?.close();
  if (figures.length) console.log(`kill-worker:\n${figures.map((f) => `  ${f.label}: ${f.attempt ? 'pass completed' : 'exited'} ${(f.recoverMs / 1000).toFixed(1)} s after the kill`).join('\n')}`);
  for (const pid of [...(await trainerPids(home)), ...(await servePids(home))]) process.kill(pid, 'SIGKILL');
  await rm(home, { recursive: true, force: true });
});

/** Pids of the processes `driftloop serve` whose command line mentions `needle` (the sandbox serves a candidate from under home). */
async function servePids(needle: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv.includes('serve') && argv.includes('--onnx') && argv.some((a) => a.includes(needle))) pids.push(Number(entry));
  }
  return pids;
}

/** The child processes an activity starts, found by their command lines. */
const CHILDREN: Record<string, () => Promise<number[]>> = {
  retrain: () => trainerPids(home),
  validateInSandbox: () => servePids(home),
};

/** A write transaction held open on the registry's SQLite file: other writers wait in SQLite's busy handler. */
function registryLock() {
  let db: Database.Database | null = null;
  return {
    hold() {
      if (db) return;
      db = new Database(join(home, 'registry.sqlite'));
      db.pragma('busy_timeout = 5000');
      db.exec('BEGIN IMMEDIATE');
    },
    release() {
      if (!db) return;
      db.exec('ROLLBACK');
      db.close();
      db = null;
    },
  };
}

/** Resolves when the worker has been SIGKILLed at the scenario's point. */
function killDuring(w: WorkerProcess, s: Scenario, workflowId: string, model: string, lock: ReturnType<typeof registryLock>): Promise<{ at: number; children: number[] }> {
  const count = new Map<string, number>();
  return new Promise((resolve, reject) => {
    // A pass that never reaches the activity says where it went instead.
    const timer = setTimeout(() => {
      done = true;
      const seen = w.events.filter((e) => e.workflowId === workflowId).map((e) => `${e.event} ${e.activityType}#${e.attempt}`);
      reject(new Error(`the pass never started ${s.activity} #${s.nth}; the worker saw: ${seen.join(', ') || 'nothing'}`));
    }, KILL_WAIT_MS);
    const killed = (children: number[]) => {
      done = true;
      clearTimeout(timer);
      resolve({ at: Date.now(), children });
    };
    let done = false;
    if (s.holdRegistryFrom === 'candidate-registered') {
      // The model was bootstrapped with v1: a second version is this pass's candidate, committed by the
      // registering promote. Polled often: the moving promote reaches its write a workflow task later.
      void (async () => {
        while (!done) {
          if ((await registry.listVersions(model)).length > 1) return lock.hold();
          await sleep(5);
        }
      })();
    }
    if (s.cue === 'pending') {
      const handle = client.workflow.getHandle(workflowId);
      /** For the nth start of an activity: n-1 of them have completed, under other activity ids. */
      const earlierCompleted = async (activityId: string): Promise<number> => {
        if (s.nth === 1) return 0;
        const scheduled = new Map<string, string>();
        let n = 0;
        for (const ev of (await handle.fetchHistory()).events ?? []) {
          const sch = ev.activityTaskScheduledEventAttributes;
          if (sch && sch.activityType?.name === s.activity) scheduled.set(String(ev.eventId), sch.activityId ?? '');
          const completed = ev.activityTaskCompletedEventAttributes;
          const id = completed ? scheduled.get(String(completed.scheduledEventId)) : undefined;
          if (id !== undefined && id !== activityId) n++;
        }
        return n;
      };
      void (async () => {
        while (!done) {
          const d = await handle.describe().catch(() => null);
          const started = d?.raw.pendingActivities?.find((a) => a.activityType?.name === s.activity && a.state === STARTED);
          if (started && (await earlierCompleted(started.activityId ?? '')) === s.nth - 1) {
            w.kill('SIGKILL');
            return killed([]);
          }
          await sleep(25);
        }
      })();
    }
    w.onActivity((e: ActivityEvent) => {
      if (e.workflowId !== workflowId || done) return;
      const key = `${e.event}:${e.activityType}`;
      const n = (count.get(key) ?? 0) + 1;
      count.set(key, n);
      const from = s.holdRegistryFrom;
      if (from && from !== 'pass-start' && from !== 'candidate-registered') {
        const [event, activity] = 'started' in from ? ['started', from.started] : ['completed', from.completed];
        if (e.event === event && e.activityType === activity && n === from.nth) lock.hold();
      }
      if (s.cue === 'pending' || e.event !== 'started' || e.activityType !== s.activity || n !== s.nth) return;
      const children = CHILDREN[s.activity];
      if (!children) {
        w.kill('SIGKILL');
        killed([]);
        return;
      }
      // Kill once the activity's child process (the trainer, the serving process) is running, to see what becomes of it.
      void (async () => {
        const deadline = Date.now() + 30_000;
        for (;;) {
          const pids = await children();
          if (pids.length > 0) {
            w.kill('SIGKILL');
            return killed(pids);
          }
          if (Date.now() > deadline) return reject(new Error(`the child process of ${s.activity} never appeared`));
          await sleep(20);
        }
      })();
    });
  });
}

describe('SIGKILL of the worker during each activity of a pass', () => {
  it.each(SCENARIOS.map((s) => [s.label, s] as const))('during %s: a new worker completes the pass; one version registered, champion moved once', async (_label, s) => {
    const { model, drifted } = projects.get(s.label)!;
    const workflowId = passWorkflowId(model);
    // A scenario that failed before starting the replacement leaves none: start one.
    if (!worker.running()) worker = await startWorkerProcess(env);
    const lock = registryLock();
    if (s.holdRegistryFrom === 'pass-start') lock.hold();
    const victim = worker;
    let killed: { at: number; children: number[] };
    let handle;
    try {
      const killing = killDuring(victim, s, workflowId, model, lock);
      handle = await startPass(client, drifted, { taskQueue });
      killed = await killing;
      await victim.exited;
    } finally {
      lock.release();
    }

    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    // What becomes of the dead worker's child process: a SIGKILL runs no cleanup, so it is not killed with the worker.
    const orphans = (async () => {
      const t0 = Date.now();
      while (killed.children.some(isAlive) && Date.now() - t0 < 60_000) await sleep(50);
      return Date.now() - t0;
    })();
    worker = await startWorkerProcess(env);
    // The server still had an activity as started on the dead worker: the kill landed inside one. It is the
    // scenario's activity unless this test's process was too busy to react in time (other suites running):
    // then it is a later one, and the durability checks below hold all the same.
    const hit = pending.find((a) => a.state === STARTED);
    expect(hit, `nothing was running when the worker was killed (aiming at ${s.activity})`).toBeDefined();
    const hitActivity = hit!.activityType?.name ?? '';
    const hitId = hit!.activityId ?? '';
    if (hitActivity !== s.activity) console.warn(`kill-worker: aimed at ${s.label}, landed in ${hitActivity} (activity ${hitId})`);

    const summary = await handle.result();
    const recoverMs = Date.now() - killed.at;

    // The pass finished the default auto path: the drifted data's candidate won and was promoted.
    expect(summary.decision).toBe('promoted');
    const runId = handle.firstExecutionRunId;
    const versions = await registry.listVersions(model);
    expect(versions.filter((v) => v.runId === runId)).toHaveLength(1);
    expect(versions).toHaveLength(2);
    const moves = await registry.aliasHistory(model, 'champion');
    expect(moves.filter((m) => m.runId === runId)).toHaveLength(1);
    expect(moves.map((m) => [m.fromVersion, m.toVersion])).toEqual([[null, 1], [1, 2]]);
    expect((await registry.resolveAlias(model, 'champion'))?.version).toBe(2);

    // The killed activity was retried once (its completing attempt is the second); the others ran once.
    const history = (await handle.fetchHistory()).events ?? [];
    const scheduled = new Map<string, string>();
    const attempts: [string, number][] = [];
    for (const ev of history) {
      if (ev.activityTaskScheduledEventAttributes) scheduled.set(String(ev.eventId), ev.activityTaskScheduledEventAttributes.activityId ?? '');
      if (ev.activityTaskStartedEventAttributes) {
        const a = ev.activityTaskStartedEventAttributes;
        attempts.push([scheduled.get(String(a.scheduledEventId)) ?? '', a.attempt ?? 0]);
      }
    }
    expect(attempts.filter(([id, n]) => id === hitId && n === 2)).toHaveLength(1);
    expect(attempts.filter(([, n]) => n > 1)).toHaveLength(1);
    figures.push({ label: hitActivity === s.activity ? s.label : `${s.label}, landed in ${hitActivity}`, recoverMs, attempt: 2 });

    if (CHILDREN[s.activity]) {
      expect(killed.children.length).toBeGreaterThan(0);
      figures.push({ label: `the killed worker's ${s.activity} child (orphaned)`, recoverMs: await orphans, attempt: 0 });
      // It must not outlive the pass (nor run on beside the retry's own trainer or server).
      for (const pid of killed.children) expect(isAlive(pid)).toBe(false);
    }
    expect(await trainerPids(home)).toEqual([]);
    expect(await servePids(home)).toEqual([]);
  }, SCENARIO_TIMEOUT_MS);
});
