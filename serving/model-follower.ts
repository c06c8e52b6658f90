import { FollowLoop } from './follow-loop.js';
import { Retirements } from './retirements.js';
import type { LoadedModel, Lease } from './loaded-model.js';
import type { ModelArtifact, ModelSource } from './model-source.js';

export interface FollowerOptions {
  /**
   * How often the alias is re-read; 0 disables following (no polling, no
   * watching: call `check()` yourself). A source that can be watched is
   * also re-read at once on each of its notifications; polling stays as the
   * safety net.
   */
  pollMs: number;
  /** Turns an artifact into a warmed, ready model (the server adds batching options and metrics). */
  load: (artifact: ModelArtifact) => Promise<LoadedModel>;
  onSwap?: (from: LoadedModel, to: LoadedModel) => void;
  onError?: (err: unknown, context: string) => void;
}

/**
 * Hot promotion: follows the source (a registry alias) and swaps the served
 * version without dropping a request.
 *
 * - The new version is loaded and warmed while the old one keeps serving.
 * - The swap is one assignment: a request leases whichever version is current
 *   when it starts and keeps it to the end, so every response is produced by
 *   exactly one version and names it.
 * - The old version is retired: its session is released only after its last
 *   lease is returned (in-flight requests drain on the old session).
 * - A version that fails to load is logged and skipped until the alias moves
 *   again (or the next poll retries it); the old version keeps serving.
 * - When the source can be watched (a PostgreSQL registry: LISTEN/NOTIFY), a
 *   move is checked as soon as it is announced; the poll catches whatever a
 *   notification did not.
 */
export class ModelFollower {
  private currentModel: LoadedModel;
  private lastFailed: string | null = null;
  private readonly loop: FollowLoop<boolean>;
  private readonly retirements: Retirements;

  private constructor(
    readonly source: ModelSource,
    initial: LoadedModel,
    private readonly opts: FollowerOptions,
  ) {
    this.currentModel = initial;
    this.retirements = new Retirements(opts.onError, 'model version');
    this.loop = new FollowLoop({
      description: source.description,
      pollMs: opts.pollMs,
      checkOnce: () => this.checkOnce(),
      failed: false,
      onError: opts.onError,
    });
  }

  /**
   * Loads the source's current version (failing if there is none), starts
   * polling and, when the source can be watched, watching (a watch that
   * cannot start is reported through onError: polling alone follows then).
   */
  static async start(source: ModelSource, opts: FollowerOptions): Promise<ModelFollower> {
    const head = await source.head();
    const model = await opts.load(await source.load(head.version));
    const follower = new ModelFollower(source, model, opts);
    if (source.followable) await follower.loop.follow(source.watch?.bind(source));
    return follower;
  }

  get current(): LoadedModel {
    return this.currentModel;
  }

  /** A lease on the current version; release it when the response is built. */
  acquire(): Lease {
    return this.currentModel.acquire();
  }

  /** One poll: resolves true if the served version changed. Concurrent calls share one check. */
  check(): Promise<boolean> {
    return this.loop.check();
  }

  private async checkOnce(): Promise<boolean> {
    if (this.loop.isStopped) return false;
    let version: string;
    try {
      ({ version } = await this.source.head());
    } catch (err) {
      this.opts.onError?.(err, `cannot read ${this.source.description}; still serving version ${this.currentModel.identity.version}`);
      return false;
    }
    if (version === this.currentModel.identity.version) return false;
    let next: LoadedModel;
    try {
      next = await this.opts.load(await this.source.load(version));
    } catch (err) {
      if (this.lastFailed !== version) {
        this.opts.onError?.(err, `cannot load ${this.source.description} version ${version}; still serving version ${this.currentModel.identity.version}`);
      }
      this.lastFailed = version;
      return false;
    }
    if (this.loop.isStopped) {
      await next.retire();
      return false;
    }
    const previous = this.currentModel;
    this.currentModel = next; // the swap: requests from here on lease `next`
    this.lastFailed = null;
    this.opts.onSwap?.(previous, next);
    this.retirements.track(previous.retire());
    return true;
  }

  /** Stops polling and watching (the current version keeps serving until close()). */
  stop(): void {
    this.loop.stop();
  }

  /** Stops polling and watching, waits for an in-progress check, and retires every version once its requests drained. */
  async close(): Promise<void> {
    await this.loop.close();
    this.retirements.track(this.currentModel.retire());
    await this.retirements.drained();
  }
}
