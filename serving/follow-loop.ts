/** Subscribes to change notifications; resolves to the function that unsubscribes. */
export type WatchChanges = (onChange: () => void, onError?: (err: unknown, context: string) => void) => Promise<() => Promise<void>>;

export interface FollowLoopOptions<T> {
  /** Names what is followed, in error contexts. */
  description: string;
  /** How often `checkOnce` runs on its own; 0: only when `check()` is called. */
  pollMs: number;
  /** One read of the source (and the swap it may lead to). */
  checkOnce: () => Promise<T>;
  /** What a check that threw resolves to (the error goes to onError). */
  failed: T;
  onError?: (err: unknown, context: string) => void;
}

/**
 * The poll-and-watch loop the champion's and the canary's followers share:
 *
 * - one check at a time: concurrent `check()` calls (a poll, a notification,
 *   a caller) share the one in progress;
 * - a notification that arrives during a check asks for another check right
 *   after it, since the running one may have read the source before the move;
 * - polling stays as the safety net for notifications that never came (a
 *   dropped LISTEN connection), and does not keep the process alive;
 * - once the watch is up, one check runs at once: a move between the
 *   follower's first read and the watch starting was announced to nobody.
 */
export class FollowLoop<T> {
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<T> | null = null;
  private recheck = false;
  private stopped = false;
  private unwatch: (() => Promise<void>) | null = null;
  private unwatching: Promise<void> | null = null;

  constructor(private readonly opts: FollowLoopOptions<T>) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Starts polling and, when `watch` is given, watching. A watch that cannot
   * start is reported through onError; polling alone follows then.
   */
  async follow(watch?: WatchChanges): Promise<void> {
    if (this.opts.pollMs <= 0 || this.stopped) return;
    this.schedule();
    if (!watch) return;
    try {
      this.unwatch = await watch(() => this.notified(), this.opts.onError);
    } catch (err) {
      this.opts.onError?.(err, `cannot watch ${this.opts.description}; following it by polling every ${this.opts.pollMs} ms`);
      return;
    }
    this.notified();
  }

  /** One check; concurrent calls share it. Never rejects (failures go to onError). */
  check(): Promise<T> {
    this.checking ??= this.opts
      .checkOnce()
      .catch((err) => {
        this.opts.onError?.(err, `checking ${this.opts.description} failed`);
        return this.opts.failed;
      })
      .finally(() => {
        this.checking = null;
        if (this.recheck) {
          this.recheck = false;
          if (!this.stopped) void this.check();
        }
      });
    return this.checking;
  }

  /** Stops polling and starts ending the watch; a check in progress runs to its end. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const unwatch = this.unwatch;
    this.unwatch = null;
    if (unwatch) {
      this.unwatching = unwatch().catch((err) => this.opts.onError?.(err, `stopping the watch of ${this.opts.description} failed`));
    }
  }

  /** Stops, then waits for the watch to end and for a check in progress. */
  async close(): Promise<void> {
    this.stop();
    await this.unwatching;
    await this.checking;
  }

  private notified(): void {
    if (this.stopped) return;
    if (this.checking) this.recheck = true;
    else void this.check();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.check().finally(() => this.schedule());
    }, this.opts.pollMs);
    // Following alone must not keep a process alive (the HTTP server does that).
    this.timer.unref();
  }
}
