import { spawn, type ChildProcess } from 'node:child_process';
import { PARENT_PID_ENV } from '../client/parent-watch.js';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { projectRoot } from '../config/paths.js';

/** The installed CLI, the same `driftloop serve` production runs (compiled into dist/ by scripts/setup.sh). */
export const DRIFTLOOP_CLI = join(projectRoot, 'bin', 'driftloop.js');

/** How long a serving process has to drain and exit after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;
/** How often readiness is polled while the process starts. */
const POLL_MS = 50;

export interface ServeProcess {
  pid: number;
  /** Base URL the process listens on (127.0.0.1, a port the OS picked). */
  url: string;
  /** Stops the process (SIGTERM, then SIGKILL after a grace period) and waits until it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** The process could not serve the model: it exited, or never became ready. */
export interface ServeFailure {
  failed: string;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/**
 * Starts `driftloop serve --onnx FILE --port 0` as a child process on
 * 127.0.0.1 and waits until its V2 readiness probe answers 200. The process
 * prints its URL on its "serving … at URL" line (client/commands/serve.ts).
 *
 * A model that does not load makes the process exit (or never get ready):
 * that is the candidate's failure, returned as a ServeFailure. Only trouble
 * starting node itself throws. No process is left behind: on failure it is
 * stopped here; on success the caller owns `stop()`; `signal` (activity
 * cancellation) stops it at any time.
 */
export async function startServeProcess(opts: {
  onnx: string;
  startTimeoutMs: number;
  signal?: AbortSignal;
}): Promise<{ process: ServeProcess } | ServeFailure> {
  const child = spawn(process.execPath, [DRIFTLOOP_CLI, 'serve', '--onnx', opts.onnx, '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The server stops itself if this worker dies without stopping it (client/parent-watch.ts).
    env: { ...process.env, [PARENT_PID_ENV]: String(process.pid) },
  });
  let exit: Exit | null = null;
  const exited = new Promise<Exit>((resolve) =>
    // 'close', not 'exit': by then the output pipes are drained too, so the last words are complete.
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    // The tail only: a chatty process must not grow the activity's memory.
    output = (output + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
  } catch (err) {
    throw new Error(`cannot start the serving sandbox (${process.execPath} ${DRIFTLOOP_CLI}): ${(err as Error).message}`, { cause: err });
  }

  let stopping: Promise<void> | null = null;
  const stop = () => (stopping ??= stopChild(child, exited, () => exit !== null));
  const onAbort = () => void stop();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const handle: ServeProcess = {
    pid: child.pid!,
    url: '',
    stop: () => {
      opts.signal?.removeEventListener('abort', onAbort);
      return stop();
    },
  };

  let ready = false;
  try {
    const deadline = Date.now() + opts.startTimeoutMs;
    const seconds = Math.round(opts.startTimeoutMs / 100) / 10;
    const died = () => `the serving process exited (${exit!.signal ?? `code ${exit!.code}`}) before it was ready: ${lastWords(output)}`;
    for (;;) {
      if (exit) return { failed: died() };
      if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('cancelled');
      if (!handle.url) {
        const m = /serving .* at (http:\/\/[^\s]+)/.exec(output);
        if (m) handle.url = m[1]!;
      }
      if (handle.url && (await isReady(handle.url))) break;
      if (Date.now() > deadline) {
        return { failed: `the serving process was not ready within ${seconds} s${output.trim() ? `: ${lastWords(output)}` : ''}` };
      }
      await sleep(POLL_MS);
    }
    ready = true;
    return { process: handle };
  } finally {
    if (!ready) await handle.stop();
  }
}

/** The V2 server readiness probe: 200 once the model is loaded and warmed up. */
async function isReady(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v2/health/ready`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess, exited: Promise<Exit>, hasExited: () => boolean): Promise<void> {
  if (hasExited()) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** The process's last meaningful line: the CLI's one-line error ("driftloop: error: …") when it failed. */
function lastWords(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  const error = [...lines].reverse().find((l) => l.startsWith('driftloop: error:'));
  return (error ?? lines.at(-1) ?? '(no output)').replace(/^driftloop: error:\s*/, '').slice(0, 500);
}
