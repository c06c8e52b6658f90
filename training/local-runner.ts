import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot, trainerPython } from '../config/paths.js';
import { TrainerError } from '../errors/index.js';
import { TrainerProgress, type TrainRequest } from './request.js';
import { trainerFailure } from './trainer-exit.js';

export interface TrainJob {
  request: TrainRequest;
  dataFile: string;
  outDir: string;
  /** Where the request JSON is written for the trainer to read. */
  requestFile: string;
  onProgress?: (p: TrainerProgress) => void;
  signal?: AbortSignal;
}

/** Grace period between SIGTERM and SIGKILL when a run is cancelled. */
const KILL_GRACE_MS = 5_000;

/**
 * Runs the trainer from the project venv as a child process. The trainer is
 * started in its own process group so that cancelling kills it and anything
 * it started (joblib workers), not just the interpreter.
 */
export async function runLocalTrainer(job: TrainJob): Promise<void> {
  await writeFile(job.requestFile, JSON.stringify(job.request, null, 2));
  const args = ['-m', 'driftloop_trainer', 'train', '--request', job.requestFile, '--data', job.dataFile, '--out', job.outDir];
  const child = spawn(trainerPython(), args, {
    cwd: join(projectRoot, 'trainer'),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const killGroup = (sig: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    killGroup('SIGTERM');
    killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
  };
  if (job.signal?.aborted) onAbort();
  job.signal?.addEventListener('abort', onAbort, { once: true });
  // A worker that dies must not leave trainers behind it either.
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);

  let stdoutTail = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (stdoutTail + chunk).split('\n');
    stdoutTail = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        const parsed = TrainerProgress.safeParse(JSON.parse(line));
        if (parsed.success) job.onProgress?.(parsed.data);
      } catch {
        // The trainer prints only JSON lines; anything else is library noise.
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    // Keep the tail: the trainer's error object is its last line.
    stderr = (stderr + chunk).slice(-64 * 1024);
  });

  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', (err) =>
      reject(new TrainerError('internal_error', `cannot start the trainer (${trainerPython()}): ${err.message}`)),
    );
    child.once('close', (c, s) => resolve([c, s]));
  }).finally(() => {
    clearTimeout(killTimer);
    job.signal?.removeEventListener('abort', onAbort);
    process.removeListener('exit', onExit);
  });
  if (code === 0) return;
  if (job.signal?.aborted) throw new TrainerError('killed', 'training was cancelled; the trainer process group was killed');
  if (code === null) throw new TrainerError('killed', `the trainer was killed by ${signal}`);
  throw trainerFailure(code, stderr);
}
