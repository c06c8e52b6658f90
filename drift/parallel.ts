import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Column, ColumnSet } from '../dataset/columns.js';
import type { DriftOptions } from './options.js';
import { assembleReports, planReports, type ColumnWork } from './plan.js';
import type { ColumnDrift, DriftReport } from './report.js';
import { deserializeError, type ColumnReply, type ColumnRequest } from './worker-messages.js';

export interface ParallelOptions {
  /** Worker threads to spread the columns over; default: the machine's available parallelism. */
  threads?: number;
}

/**
 * computeDriftReport with the columns spread over worker threads; returns the
 * same report.
 */
export async function computeDriftReportParallel(
  reference: ColumnSet,
  current: ColumnSet,
  options: DriftOptions,
  parallel: ParallelOptions = {},
): Promise<DriftReport> {
  return (await computeDriftReportsParallel(reference, current, [options], parallel))[0]!;
}

/**
 * computeDriftReports (several reports, each column prepared once for all)
 * with the columns spread over worker threads; returns the same reports.
 * Each thread gets one column at a time. Columns whose arrays live in a
 * SharedArrayBuffer are lent as they are (read only: the worker sorts its own
 * copy); others are copied into two shared buffers the thread reuses for
 * every column (so the extra memory is a few column-sized buffers per thread,
 * not a second copy of the data set, and there is no per-column garbage).
 * The input is never modified. The largest columns go first so the threads
 * finish together. Workers are kept for the next call (idle ones do not keep
 * the process alive); closeDriftWorkers() ends them.
 */
export async function computeDriftReportsParallel(
  reference: ColumnSet,
  current: ColumnSet,
  optionsList: readonly DriftOptions[],
  parallel: ParallelOptions = {},
): Promise<DriftReport[]> {
  const { work, sizes } = planReports(reference, current, optionsList);
  if (work.length === 0) return assembleReports(work, [], sizes, optionsList, reference, current);
  const wanted = parallel.threads !== undefined && Number.isFinite(parallel.threads) ? Math.floor(parallel.threads) : availableParallelism();
  const threads = Math.max(1, Math.min(wanted, work.length));
  const order = work.map((_, i) => i).sort((a, b) => cost(work[b]!) - cost(work[a]!) || a - b);
  const results: ColumnDrift[][] = new Array(work.length);
  const slotBytes = {
    reference: Math.max(0, ...work.map((w) => copyBytes(w.pair.reference))),
    current: Math.max(0, ...work.map((w) => copyBytes(w.pair.current))),
  };
  let next = 0;
  let failed = false;

  const lane = async (): Promise<void> => {
    const worker = acquireWorker();
    const slots = slotsOf(worker, slotBytes);
    let healthy = false;
    try {
      while (!failed && next < order.length) {
        const index = order[next++]!;
        const { pair, checks } = work[index]!;
        const reference = lend(pair.reference, slots.reference);
        const current = lend(pair.current, slots.current);
        const reply = await ask(worker, {
          name: pair.name,
          reference: reference.column,
          current: current.column,
          owned: { reference: reference.copied, current: current.copied },
          checks: checks.map(({ rule, config, withDistribution }) => ({ rule, config, withDistribution })),
        });
        if (!reply.ok) throw deserializeError(reply.error);
        results[index] = reply.columns;
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
  return assembleReports(work, results, sizes, optionsList, reference, current);
}

/** Ends the kept worker threads (tests and short-lived processes may call it; idle workers never block exit). */
export async function closeDriftWorkers(): Promise<void> {
  const all = idle.splice(0);
  await Promise.all(all.map((w) => w.terminate()));
}

/** Rows × bytes per value: numeric columns also sort, categorical ones only count. */
function cost({ pair }: ColumnWork): number {
  const rows = (c: Column): number => (c.kind === 'numeric' ? c.values.length * 4 : c.codes.length);
  return rows(pair.reference) + rows(pair.current);
}

function isShared(column: Column): boolean {
  return (column.kind === 'numeric' ? column.values.buffer : column.codes.buffer) instanceof SharedArrayBuffer;
}

/** Bytes a column needs in a lane's buffer (none when it is shared already). */
function copyBytes(column: Column): number {
  if (isShared(column)) return 0;
  return column.kind === 'numeric' ? column.values.byteLength : column.codes.byteLength;
}

/**
 * What the worker gets for one window: the caller's own array when it is in
 * shared memory (no copy), else a copy in the lane's buffer, which the worker
 * may reorder (the caller's arrays stay untouched either way).
 */
function lend(column: Column, slot: SharedArrayBuffer): { column: Column; copied: boolean } {
  if (isShared(column)) return { column, copied: false };
  if (column.kind === 'numeric') {
    const values = new Float64Array(slot, 0, column.values.length);
    values.set(column.values);
    return { column: { kind: 'numeric', values }, copied: true };
  }
  const codes = new Int32Array(slot, 0, column.codes.length);
  codes.set(column.codes);
  return { column: { kind: 'categorical', codes, categories: column.categories }, copied: true };
}

// --- worker pool ---------------------------------------------------------------

const idle: Worker[] = [];

/**
 * Each worker's two buffers: a column is copied in, lent to the worker until
 * it replies, then overwritten by the next. Kept with the worker across calls
 * (grown when a larger data set comes), so repeated reports allocate nothing.
 */
const slotsByWorker = new WeakMap<Worker, { reference: SharedArrayBuffer; current: SharedArrayBuffer }>();

function slotsOf(worker: Worker, bytes: { reference: number; current: number }): { reference: SharedArrayBuffer; current: SharedArrayBuffer } {
  let slots = slotsByWorker.get(worker);
  if (!slots || slots.reference.byteLength < bytes.reference || slots.current.byteLength < bytes.current) {
    slots = {
      reference: new SharedArrayBuffer(Math.max(bytes.reference, slots?.reference.byteLength ?? 0)),
      current: new SharedArrayBuffer(Math.max(bytes.current, slots?.current.byteLength ?? 0)),
    };
    slotsByWorker.set(worker, slots);
  }
  return slots;
}

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
    worker.postMessage(request);
  });
}
