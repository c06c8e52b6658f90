/**
 * Prediction logging: every served row is recorded (for monitoring, and to join
 * with labels that arrive later through POST /feedback), without ever delaying
 * a response. Handlers only append a closure to a buffer; the records are built
 * and written in batches — every `flushRecords` rows or `flushMs` — by a
 * background flush, one at a time.
 */

export interface PredictionRecord {
  /** The X-Request-Id of the response; feedback refers to it. */
  requestId: string;
  /** 0-based row within the request. */
  row: number;
  /** Rows in the request (a sink keyed by request id needs per-row keys only when there are several). */
  rows: number;
  model: string;
  version: string;
  /** The route that served it, e.g. "/predict", "/v2/models/:name/infer". */
  endpoint: string;
  /** ISO-8601 time the prediction was made. */
  at: string;
  /** The input row as the model saw it (missing → null). */
  features: Record<string, number | string | null>;
  /** Class (classifiers) or value (regressors). */
  prediction: string | number | boolean;
  /** Classifiers: probability per class. */
  probabilities?: Record<string, number>;
  /** Milliseconds from the request's lease to its prediction (validation, batching, the model run); the request's, for each of its rows. */
  latencyMs?: number;
}

export interface FeedbackRecord {
  /** The served model's name. */
  model: string;
  requestId: string;
  /** The row of the request the label is for; null when not given (a one-row request). */
  row: number | null;
  label: string | number | boolean;
  at: string;
}

/**
 * Where prediction records go. Deliberately tiny so that any store can back it
 * (the registry's prediction log, a file, a queue). `feedback` is optional: a
 * sink without it makes POST /feedback answer 501. It reports whether a
 * logged prediction matched the label's request id.
 */
export interface PredictionSink {
  write(records: PredictionRecord[]): Promise<void>;
  feedback?(record: FeedbackRecord): Promise<{ matched: boolean }>;
}

export interface PredictionLogOptions {
  /** Flush when this many records are buffered. */
  flushRecords: number;
  /** Flush at least this often while records are buffered. */
  flushMs: number;
  /** Beyond this many buffered records (a slow or failing sink), the oldest are dropped and counted. */
  maxBuffered: number;
  /** Attempts per batch before it is dropped. */
  maxAttempts: number;
}

export const DEFAULT_LOG_OPTIONS: PredictionLogOptions = { flushRecords: 500, flushMs: 1000, maxBuffered: 100_000, maxAttempts: 3 };

interface Entry {
  rows: number;
  build: () => PredictionRecord[];
}

interface Batch {
  records: PredictionRecord[];
  attempts: number;
}

export class PredictionLogger {
  private entries: Entry[] = [];
  private buffered = 0;
  private retry: Batch | null = null;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly sink: PredictionSink,
    private readonly opts: PredictionLogOptions = DEFAULT_LOG_OPTIONS,
    private readonly hooks: { written?: (n: number) => void; dropped?: (n: number, err?: unknown) => void } = {},
  ) {}

  /** O(1) on the response path: the records are built at flush time. */
  log(rows: number, build: () => PredictionRecord[]): void {
    if (this.closed) return;
    this.entries.push({ rows, build });
    this.buffered += rows;
    while (this.buffered > this.opts.maxBuffered && this.entries.length > 1) {
      const dropped = this.entries.shift()!;
      this.buffered -= dropped.rows;
      this.hooks.dropped?.(dropped.rows);
    }
    if (this.buffered >= this.opts.flushRecords) setImmediate(() => void this.flush());
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.opts.flushMs);
      this.timer.unref();
    }
  }

  get pendingRecords(): number {
    return this.buffered + (this.retry?.records.length ?? 0);
  }

  /** Writes everything buffered so far. Flushes are chained: one sink write at a time, in order. */
  flush(): Promise<void> {
    const p = this.chain.then(() => this.flushNow());
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async flushNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.entries.length === 0 && !this.retry) return;
    await this.flushOnce();
  }

  private async flushOnce(): Promise<void> {
    const batches: Batch[] = [];
    if (this.retry) batches.push(this.retry);
    this.retry = null;
    const entries = this.entries.splice(0);
    this.buffered = 0;
    let records: PredictionRecord[] = [];
    for (const e of entries) {
      try {
        records.push(...e.build());
      } catch (err) {
        this.hooks.dropped?.(e.rows, err);
      }
      if (records.length >= this.opts.flushRecords) {
        batches.push({ records, attempts: 0 });
        records = [];
      }
    }
    if (records.length) batches.push({ records, attempts: 0 });
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      try {
        await this.sink.write(batch.records);
        this.hooks.written?.(batch.records.length);
      } catch (err) {
        batch.attempts++;
        const rest = batches.slice(i + 1).flatMap((b) => b.records);
        if (batch.attempts >= this.opts.maxAttempts) {
          this.hooks.dropped?.(batch.records.length, err);
          if (rest.length) this.retry = { records: rest, attempts: 0 };
        } else {
          this.retry = { records: batch.records.concat(rest), attempts: batch.attempts };
        }
        if (!this.closed && !this.timer) {
          this.timer = setTimeout(() => {
            this.timer = null;
            void this.flush();
          }, this.opts.flushMs);
          this.timer.unref();
        }
        return;
      }
    }
  }

  /** Flushes what is buffered (retrying a failing sink up to maxAttempts) and stops accepting records. */
  async close(): Promise<void> {
    this.closed = true;
    for (let i = 0; i < this.opts.maxAttempts + 1; i++) {
      await this.flush();
      if (this.entries.length === 0 && !this.retry) break;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.retry) {
      this.hooks.dropped?.(this.retry.records.length);
      this.retry = null;
    }
  }
}
