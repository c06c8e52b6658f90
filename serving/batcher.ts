/**
 * Dynamic micro-batching: requests that arrive close together are coalesced
 * into one model run. One onnxruntime run over 200 rows costs little more than
 * a run over 1 row, so under concurrent load this multiplies throughput. An
 * idle model runs what arrived in the current event-loop turn right after it;
 * while a run is in flight, arriving requests wait (at most `maxWaitMs`) to
 * form the next batch.
 *
 * The batcher knows nothing about models: `run` maps a list of inputs to one
 * output per input (the model concatenates, runs once, splits). Inputs are
 * validated before they get here, so a batch normally cannot fail because of
 * one request's rows; if a combined run fails anyway, each request is re-run
 * alone so that only the culprit fails.
 */
export interface BatcherOptions {
  /** A batch holds at most this many rows (a larger single request runs alone). */
  maxBatchRows: number;
  /** The oldest queued request waits at most this long for company. */
  maxWaitMs: number;
  /** Model runs in flight at once; requests arriving meanwhile queue up and form the next batch. */
  maxConcurrentRuns: number;
}

export const DEFAULT_BATCHER_OPTIONS: BatcherOptions = { maxBatchRows: 256, maxWaitMs: 2, maxConcurrentRuns: 2 };

export interface BatchObserver {
  /** Called once per model run with its total rows and the number of requests in it. */
  (rows: number, requests: number): void;
}

interface Pending<I, O> {
  input: I;
  rows: number;
  enqueuedAt: number;
  resolve: (out: O) => void;
  reject: (err: unknown) => void;
}

export class MicroBatcher<I extends { rows: number }, O> {
  private queue: Pending<I, O>[] = [];
  private queuedRows = 0;
  private running = 0;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  /** The event-loop turn in which the queued requests arrived has ended (idle dispatch may go). */
  private turnEnded = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly opts: BatcherOptions = DEFAULT_BATCHER_OPTIONS,
    private readonly observe?: BatchObserver,
  ) {}

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, rows: input.rows, enqueuedAt: performance.now(), resolve, reject });
      this.queuedRows += input.rows;
      this.pump();
    });
  }

  /** Requests queued or running. */
  get pending(): number {
    return this.queue.length + this.running;
  }

  /** Resolves when nothing is queued or running (used before a model's session is released). */
  drain(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.queue.length > 0 && this.running < this.opts.maxConcurrentRuns) {
      const waited = performance.now() - this.queue[0]!.enqueuedAt;
      if (this.queuedRows < this.opts.maxBatchRows && waited < this.opts.maxWaitMs) {
        // A busy model lets the next batch fill up for up to maxWaitMs. An idle
        // one waits only for the end of this event-loop turn, so requests that
        // arrived together still share a run, but a lone request is not taxed
        // maxWaitMs (bench:serve showed that wait was most of the latency at low load).
        if (this.running > 0) {
          this.arm(this.opts.maxWaitMs - waited);
          return;
        }
        if (!this.turnEnded) {
          this.armTurn();
          return;
        }
      }
      this.dispatch(this.take());
    }
    if (this.queue.length === 0) this.disarm();
  }

  private arm(ms: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, Math.max(0, Math.ceil(ms)));
  }

  private armTurn(): void {
    if (this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      this.turnEnded = true;
      this.pump();
    });
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** FIFO, up to maxBatchRows (always at least one request, however large). */
  private take(): Pending<I, O>[] {
    const batch: Pending<I, O>[] = [];
    let rows = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (batch.length > 0 && rows + next.rows > this.opts.maxBatchRows) break;
      batch.push(this.queue.shift()!);
      rows += next.rows;
    }
    this.queuedRows -= rows;
    this.turnEnded = false;
    this.disarm();
    return batch;
  }

  private dispatch(batch: Pending<I, O>[]): void {
    this.running++;
    const rows = batch.reduce((n, p) => n + p.rows, 0);
    this.observe?.(rows, batch.length);
    void this.execute(batch).finally(() => {
      this.running--;
      this.pump();
      if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  private async execute(batch: Pending<I, O>[]): Promise<void> {
    try {
      const outs = await this.run(batch.map((p) => p.input));
      if (outs.length !== batch.length) throw new Error(`batch run returned ${outs.length} results for ${batch.length} requests`);
      batch.forEach((p, i) => p.resolve(outs[i]!));
    } catch (err) {
      if (batch.length === 1) {
        batch[0]!.reject(err);
        return;
      }
      // Isolate the failure: each request alone, so only the one that cannot run fails.
      await Promise.all(
        batch.map(async (p) => {
          try {
            const [out] = await this.run([p.input]);
            p.resolve(out!);
          } catch (e) {
            p.reject(e);
          }
        }),
      );
    }
  }
}
