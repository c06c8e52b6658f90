import type { Customer } from './world.js';

/** A served prediction whose label is still to come. */
export interface PendingLabel {
  requestId: string;
  label: number;
}

export interface DayTraffic {
  /** Predictions answered 200 (each one logged by the serving process). */
  served: number;
  /** Predictions that failed: any non-200 answer or no answer at all. */
  failed: number;
  /** Labels of the day before accepted by POST /feedback. */
  labelled: number;
  /** Labels refused or unanswered. */
  labelsFailed: number;
  /** Requests answered per model version. */
  byVersion: Record<string, number>;
  /** The day's predictions, whose labels are posted during the next day. */
  pending: PendingLabel[];
  /** The first failures' reasons, for the summary. */
  errors: string[];
}

export interface ReplayOptions {
  /** Base URL of the serving process. */
  url: string;
  /** The day's customers: `count` of them, more while `overtime()` says so (at most `customers.length`). */
  customers: Customer[];
  count: number;
  /** Traffic keeps coming, at the same pace, while this holds (the night's pass of yesterday still runs). */
  overtime?: () => boolean;
  /** Yesterday's predictions: their labels arrive today. */
  labels: PendingLabel[];
  /** Wall-clock time the day's traffic is spread over. */
  durationMs: number;
  /** Requests in flight at once. */
  concurrency?: number;
  signal: AbortSignal;
  onProgress?: (t: DayTraffic) => void;
}

/**
 * One simulated day of production traffic through the serving API: each
 * customer is one POST /predict (paced evenly over the day), and yesterday's
 * outcomes arrive as POST /feedback referring to the X-Request-Id of their
 * prediction. Nothing is retried: a failed request is counted as failed.
 */
export async function replayDay(opts: ReplayOptions): Promise<DayTraffic> {
  const t: DayTraffic = { served: 0, failed: 0, labelled: 0, labelsFailed: 0, byVersion: {}, pending: [], errors: [] };
  const start = Date.now();
  const fail = (what: string) => {
    if (t.errors.length < 5) t.errors.push(what);
  };
  const predictAt = (i: number) => start + (i * opts.durationMs) / Math.max(1, opts.count);
  // Labels trickle in over the first 90% of the day, so they are all in before the day's pass.
  const labelAt = (i: number) => start + (i * opts.durationMs * 0.9) / Math.max(1, opts.labels.length);

  const predictOne = async (i: number) => {
    const customer = opts.customers[i]!;
    try {
      const res = await fetch(`${opts.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([customer.features]),
        signal: AbortSignal.any([opts.signal, AbortSignal.timeout(15_000)]),
      });
      const body = (await res.json()) as { model_version?: string | number; error?: string };
      const requestId = res.headers.get('x-request-id');
      if (res.status !== 200 || !requestId) {
        t.failed++;
        fail(`POST /predict ${res.status}: ${body.error ?? 'no request id'}`);
        return;
      }
      t.served++;
      const v = String(body.model_version);
      t.byVersion[v] = (t.byVersion[v] ?? 0) + 1;
      t.pending.push({ requestId, label: customer.label });
    } catch (err) {
      if (opts.signal.aborted) return;
      t.failed++;
      fail(`POST /predict: ${(err as Error).message}`);
    }
  };
  const labelOne = async (i: number) => {
    const { requestId, label } = opts.labels[i]!;
    try {
      const res = await fetch(`${opts.url}/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ requestId, label }),
        signal: AbortSignal.any([opts.signal, AbortSignal.timeout(15_000)]),
      });
      await res.arrayBuffer();
      if (res.status === 200) t.labelled++;
      else {
        t.labelsFailed++;
        fail(`POST /feedback ${res.status}`);
      }
    } catch (err) {
      if (opts.signal.aborted) return;
      t.labelsFailed++;
      fail(`POST /feedback: ${(err as Error).message}`);
    }
  };

  const lane = async (count: () => number, at: (i: number) => number, send: (i: number) => Promise<void>, next: { i: number }) => {
    while (!opts.signal.aborted) {
      const i = next.i++;
      if (i >= count()) return;
      const wait = at(i) - Date.now();
      if (wait > 0) await sleep(wait, opts.signal);
      if (opts.signal.aborted) return;
      await send(i);
      opts.onProgress?.(t);
    }
  };
  const lanes = Math.max(1, opts.concurrency ?? 4);
  const predictions = { i: 0 };
  const feedback = { i: 0 };
  await Promise.all([
    ...Array.from({ length: lanes }, () => lane(() => (opts.overtime?.() ? opts.customers.length : Math.min(opts.count, opts.customers.length)), predictAt, predictOne, predictions)),
    ...Array.from({ length: lanes }, () => lane(() => opts.labels.length, labelAt, labelOne, feedback)),
  ]);
  // The day lasts its full length even when the requests were quick.
  const rest = start + opts.durationMs - Date.now();
  if (rest > 0) await sleep(rest, opts.signal);
  return t;
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
