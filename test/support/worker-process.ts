import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { DRIFTLOOP_BIN } from './cli.js';

/** An activity the worker process logged starting or completing (its DEBUG log lines, JSON: logging/logger.ts). */
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

const EVENTS: Record<string, ActivityEvent['event']> = { 'Activity started': 'started', 'Activity completed': 'completed' };

export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [DRIFTLOOP_BIN, 'worker'], {
    env: { ...process.env, DRIFTLOOP_LOG_LEVEL: 'DEBUG', ...env },
  });
  let out = '';
  const events: ActivityEvent[] = [];
  const listeners: ((e: ActivityEvent) => void)[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Each stream keeps its own unfinished line.
  const reader = () => {
    let pending = '';
    return (d: Buffer) => {
      const text = d.toString('utf8');
      out += text;
      // One JSON object per line; a line may arrive in pieces, so only complete lines are read.
      const lines = (pending + text).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        let entry: { msg?: string; activityType?: string; workflowId?: string; attempt?: number };
        try {
          entry = JSON.parse(line);
        } catch {
          continue;
        }
        const event = entry.msg === undefined ? undefined : EVENTS[entry.msg];
        if (!event) continue;
        const e: ActivityEvent = { event, activityType: entry.activityType ?? '', workflowId: entry.workflowId ?? '', attempt: Number(entry.attempt) };
        events.push(e);
        for (const fn of listeners) fn(e);
      }
    };
  };
  child.stdout.on('data', reader());
  child.stderr.on('data', reader());
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
