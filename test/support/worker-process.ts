import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { DRIFTLOOP_BIN } from './cli.js';

/** An activity the worker process logged starting or completing (its DEBUG log). */
export interface ActivityEvent {
  event: 'started' | 'completed';
  activityType: string;
  workflowId: string;
  attempt: number;
}

/**
 * `driftloop worker` as its own process (the installed CLI, as an operator
 * runs it), with the SDK's DEBUG log on so that the test sees each activity
 * start and complete the moment the worker does — the cue for a SIGKILL
 * "during" an activity.
 */
export interface WorkerProcess {
  pid: number;
  /** Every activity event so far, in order. */
  events: ActivityEvent[];
  /** Calls `fn` synchronously for every activity event from now on (in the same tick the log arrives). */
  onActivity(fn: (e: ActivityEvent) => void): void;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  running(): boolean;
  kill(signal?: NodeJS.Signals): void;
}

const ENTRY = /^\S+ \[DEBUG\] Activity (started|completed) \{\n([\s\S]*?)\n\}$/gm;

export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [DRIFTLOOP_BIN, 'worker'], {
    env: { ...process.env, DRIFTLOOP_LOG_LEVEL: 'DEBUG', ...env },
  });
  let out = '';
  let scanned = 0;
  const events: ActivityEvent[] = [];
  const listeners: ((e: ActivityEvent) => void)[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const onData = (d: Buffer) => {
    out += d.toString('utf8');
    // Entries are multi-line; scan only complete ones, from where the last scan stopped.
    ENTRY.lastIndex = scanned;
    for (let m = ENTRY.exec(out); m; m = ENTRY.exec(out)) {
      scanned = ENTRY.lastIndex;
      const field = (name: string) => new RegExp(`^\\s*${name}: '?([^',]*)'?,?$`, 'm').exec(m![2]!)?.[1] ?? '';
      const e: ActivityEvent = {
        event: m[1] as ActivityEvent['event'],
        activityType: field('activityType'),
        workflowId: field('workflowId'),
        attempt: Number(field('attempt')),
      };
      events.push(e);
      for (const fn of listeners) fn(e);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`driftloop worker did not start:\n${out}`)), 90_000);
    const check = () => {
      if (out.includes('driftloop worker: polling')) {
        clearTimeout(timer);
        child.stderr.off('data', check);
        resolve();
      }
    };
    child.stderr.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`driftloop worker exited with ${code}:\n${out}`));
    });
  });
  return {
    pid: child.pid!,
    events,
    onActivity: (fn) => listeners.push(fn),
    output: () => out,
    exited,
    running: () => child.exitCode === null && child.signalCode === null,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
