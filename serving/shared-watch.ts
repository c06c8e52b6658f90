import type { AliasChange, AliasWatchOptions, Registry } from '../registry/types.js';

type WatchAliases = NonNullable<Registry['watchAliases']>;

/**
 * One registry alias watch shared by every follower of a server (the
 * champion's and the canary's): a PostgreSQL watch holds a connection of its
 * own, so a server keeps one LISTEN connection however many aliases it
 * follows. The watch starts with the first subscriber and stops with the last.
 */
export function sharedAliasWatch(watch: WatchAliases): WatchAliases {
  const subscribers = new Set<{ onChange: (e: AliasChange) => void; opts?: AliasWatchOptions }>();
  let running: Promise<() => Promise<void>> | null = null;
  return async (onChange, opts) => {
    const sub = { onChange, opts };
    subscribers.add(sub);
    try {
      running ??= watch(
        (e) => {
          for (const s of subscribers) s.onChange(e);
        },
        { onError: (err, context) => subscribers.forEach((s) => s.opts?.onError?.(err, context)) },
      );
      await running;
    } catch (err) {
      subscribers.delete(sub);
      running = null;
      throw err;
    }
    let stopped = false;
    return async () => {
      if (stopped) return;
      stopped = true;
      subscribers.delete(sub);
      if (subscribers.size > 0 || !running) return;
      const stop = running;
      running = null;
      await (await stop)();
    };
  };
}
