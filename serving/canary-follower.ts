import { FollowLoop } from './follow-loop.js';
import { Retirements } from './retirements.js';
import type { Registry } from '../registry/types.js';
import type { LoadedModel } from './loaded-model.js';
import { registrySource, type ModelArtifact } from './model-source.js';

/** Where the canary comes from: which version (and share) is in canary now, if any, and how to load a version. */
export interface CanarySource {
  readonly description: string;
  /** Null: no canary is running. */
  head(): Promise<{ version: string; share: number } | null>;
  load(version: string): Promise<ModelArtifact>;
  /** Optional: called whenever the canary may have changed (see ModelSource#watch). */
  watch?(onChange: () => void, onError?: (err: unknown, context: string) => void): Promise<() => Promise<void>>;
}

/** The registry's running canary of `model` (Registry#getCanary); started and ended canaries are announced on the `canary` alias. */
export function registryCanarySource(
  registry: Registry,
  model: string,
  watchAliases: Registry['watchAliases'] = registry.watchAliases?.bind(registry),
): CanarySource {
  const alias = registrySource(registry, model, 'canary', watchAliases);
  return {
    description: `registry:${model} canary`,
    async head() {
      const c = await registry.getCanary(model);
      return c ? { version: String(c.version), share: c.share } : null;
    },
    load: (version) => alias.load(version),
    ...(alias.watch ? { watch: alias.watch.bind(alias) } : {}),
  };
}

export interface CanaryFollowerOptions {
  /** How often the canary is re-read; 0 disables following (call `check()` yourself). */
  pollMs: number;
  load: (artifact: ModelArtifact) => Promise<LoadedModel>;
  onChange?: (from: { version: string; share: number } | null, to: { version: string; share: number } | null) => void;
  onError?: (err: unknown, context: string) => void;
}

export interface ServedCanary {
  model: LoadedModel;
  share: number;
}

/**
 * Follows the canary beside the champion's ModelFollower: loads (and warms)
 * the canary version when one starts, updates its share, and retires its
 * session when it ends or changes — after the requests that leased it
 * drained. A canary that fails to load is reported and not routed to (all
 * traffic stays on the champion); the next check retries it.
 */
export class CanaryFollower {
  private served: ServedCanary | null = null;
  private lastFailed: string | null = null;
  private readonly loop: FollowLoop<void>;
  private readonly retirements: Retirements;

  private constructor(
    readonly source: CanarySource,
    private readonly opts: CanaryFollowerOptions,
  ) {
    this.retirements = new Retirements(opts.onError, 'canary version');
    this.loop = new FollowLoop({
      description: source.description,
      pollMs: opts.pollMs,
      checkOnce: () => this.checkOnce(),
      failed: undefined,
      onError: opts.onError,
    });
  }

  /** Reads the canary once (a canary running at start is served from the first request), then follows it. */
  static async start(source: CanarySource, opts: CanaryFollowerOptions): Promise<CanaryFollower> {
    const follower = new CanaryFollower(source, opts);
    await follower.check();
    await follower.loop.follow(source.watch?.bind(source));
    return follower;
  }

  /** The canary being served now, or null. */
  get current(): ServedCanary | null {
    return this.served;
  }

  /** One read of the canary; concurrent calls share it. Never rejects (failures go to onError). */
  check(): Promise<void> {
    return this.loop.check();
  }

  private async checkOnce(): Promise<void> {
    if (this.loop.isStopped) return;
    const head = await this.source.head();
    const before = this.served;
    const was = before ? { version: before.model.identity.version, share: before.share } : null;
    if (head === null) {
      if (!before) return;
      this.served = null; // from here on every request goes to the champion
      this.opts.onChange?.(was, null);
      this.retirements.track(before.model.retire());
      return;
    }
    if (before && before.model.identity.version === head.version) {
      if (before.share !== head.share) {
        this.served = { model: before.model, share: head.share };
        this.opts.onChange?.(was, head);
      }
      return;
    }
    let next: LoadedModel;
    try {
      next = await this.opts.load(await this.source.load(head.version));
    } catch (err) {
      if (this.lastFailed !== head.version) {
        this.opts.onError?.(err, `cannot load the canary (${this.source.description} version ${head.version}); all traffic stays on the champion`);
      }
      this.lastFailed = head.version;
      return;
    }
    if (this.loop.isStopped) {
      await next.retire();
      return;
    }
    this.lastFailed = null;
    this.served = { model: next, share: head.share };
    this.opts.onChange?.(was, head);
    if (before) this.retirements.track(before.model.retire());
  }

  /** Stops polling and watching (the canary keeps serving until close()). */
  stop(): void {
    this.loop.stop();
  }

  /** Stops following and retires the canary once its requests drained. */
  async close(): Promise<void> {
    await this.loop.close();
    if (this.served) {
      this.retirements.track(this.served.model.retire());
      this.served = null;
    }
    await this.retirements.drained();
  }
}
