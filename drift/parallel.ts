import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Column, ColumnSet } from '../dataset/columns.js';
import type { DriftOptions } from './options.js';
import { assembleReport, planColumns, type ColumnTask } from './plan.js';
import type { ColumnDrift, DriftReport } from './report.js';
import { deserializeError, type ColumnReply, type ColumnRequest } from './worker-messages.js';

export interface ParallelOptions {
  /** Worker threads to spread the columns over; default: the machine's available parallelism. */
  threads?: number;
}

/**
 * computeDriftReport with the columns spread over worker threads; returns the
 * same report. Each column's arrays are copied when its turn comes (the input
 * is never modified, and at most one column per thread is in flight, so the
 * extra memory stays a few columns, not a second copy of the data set). The
 * largest columns go first so the threads finish together. Workers are kept
 * for the next call (idle ones do not keep the process alive);
 * closeDriftWorkers() ends them.
 */
export async function computeDriftReportParallel(
  reference: ColumnSet,
  current: ColumnSet,
  options: DriftOptions,
  parallel: ParallelOptions = {},
): Promise<DriftReport> {
  const tasks = planColumns(reference, current, options);
  const withDistribution = options.distributions ?? true;
  const threads = Math.max(1, Math.min(Math.floor(parallel.threads ?? availableParallelism()), tasks.length));
  const order = tasks.map((_, i) => i).sort((a, b) => cost(tasks[b]!) - cost(tasks[a]!) || a - b);
  const results: ColumnDrift[] = new Array(tasks.length);
  let next = 0;
  let failed = false;

  const lane = async (): Promise<void> => {
    const worker = acquireWorker();
    let healthy = false;
    try {
      while (!failed && next < order.length) {
        const index = order[next++]!;
        const { pair, rule } = tasks[index]!;
        const reply = await ask(worker, {
          name: pair.name,
          reference: privateCopy(pair.reference),
          current: privateCopy(pair.current),
          rule,
          config: options.config,
          withDistribution,
        });
        if (!reply.ok) throw deserializeError(reply.error);
        results[index] = reply.column;
      }
      healthy = true;
    } catch (err) {
      failed = true;
      healthy = !(err instanceof WorkerDied);
      throw err instanceof WorkerDied ? err.cause : err;
    } finally {
      releaseWorker(worker, healthy);
    }
  };
  await Promise.all(Array.from({ length: threads }, lane));
  return assembleReport(results, options, reference, current);
}

/** Ends the kept worker threads (tests and short-lived processes may call it; idle workers never block exit). */
export async function closeDriftWorkers(): Promise<void> {
  const all = idle.splice(0);
  await Promise.all(all.map((w) => w.terminate()));
}

/** Rows × bytes per value: numeric columns also sort, categorical ones only count. */
function cost({ pair }: ColumnTask): number {
  const rows = (c: Column): number => (c.kind === 'numeric' ? c.values.length * 4 : c.codes.length);
  return rows(pair.reference) + rows(pair.current);
}

function privateCopy(column: Column): Column {
  return column.kind === 'numeric'
    ? { kind: 'numeric', values: column.values.slice() }
    : { kind: 'categorical', codes: column.codes.slice(), categories: column.categories };
}

function transferList(request: ColumnRequest): ArrayBuffer[] {
  return [request.reference, request.current].map((c) => (c.kind === 'numeric' ? c.values.buffer : c.codes.buffer) as ArrayBuffer);
}

// --- worker pool ---------------------------------------------------------------

const idle: Worker[] = [];

/**
 * The worker runs compiled JavaScript. From dist/ it sits next to this file;
 * when this module runs from its TypeScript source (vitest), the compiled twin
 * in dist/ is used — `npm test` builds dist/ first (scripts/setup.sh).
 */
function workerFile(): URL {
  const beside = new URL('./column-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.ts')) return beside;
  const compiled = new URL('../dist/drift/column-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(compiled))) {
    throw new Error(`drift/parallel.ts runs from source but ${fileURLToPath(compiled)} is missing: build first (npx tsc -p tsconfig.build.json)`);
  }
  return compiled;
}

function acquireWorker(): Worker {
  const worker = idle.pop() ?? new Worker(workerFile());
  worker.ref();
  return worker;
}

function releaseWorker(worker: Worker, healthy: boolean): void {
  if (!healthy) {
    void worker.terminate();
    return;
  }
  worker.unref();
  idle.push(worker);
}

class WorkerDied extends Error {}

function ask(worker: Worker, request: ColumnRequest): Promise<ColumnReply> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (reply: ColumnReply): void => {
      done();
      resolve(reply);
    };
    const onError = (err: Error): void => {
      done();
      reject(new WorkerDied('drift worker failed', { cause: err }));
    };
    const onExit = (code: number): void => {
      done();
      reject(new WorkerDied('drift worker exited', { cause: new Error(`drift worker exited with code ${code} while checking column "${request.name}"`) }));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage(request, transferList(request));
  });
}
