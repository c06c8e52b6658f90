import { describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { FollowLoop, type WatchChanges } from '../../serving/follow-loop.js';

/** A source whose reads can be held open, counting them. */
function gatedSource() {
  let reads = 0;
  let release: (() => void) | null = null;
  let hold = false;
  return {
    get reads() {
      return reads;
    },
    holdNext() {
      hold = true;
    },
    release() {
      release?.();
      release = null;
    },
    async checkOnce(): Promise<number> {
      reads += 1;
      const n = reads;
      if (hold) {
        hold = false;
        await new Promise<void>((r) => (release = r));
      }
      return n;
    },
  };
}

function manualWatch() {
  let fire: (() => void) | null = null;
  let unsubscribed = 0;
  const watch: WatchChanges = async (onChange) => {
    fire = onChange;
    return async () => {
      unsubscribed += 1;
    };
  };
  return { watch, fire: () => fire?.(), get unsubscribed() { return unsubscribed; } };
}

describe('FollowLoop', () => {
  it('shares one check between concurrent callers', async () => {
    const src = gatedSource();
    const loop = new FollowLoop({ description: 't', pollMs: 0, checkOnce: () => src.checkOnce(), failed: -1 });
    src.holdNext();
    const a = loop.check();
    const b = loop.check();
    expect(a).toBe(b);
    src.release();
    expect(await a).toBe(1);
    expect(src.reads).toBe(1);
  });

  it('checks once as soon as the watch is up, so a move before the watch started is not missed', async () => {
    const src = gatedSource();
    const w = manualWatch();
    const loop = new FollowLoop({ description: 't', pollMs: 60_000, checkOnce: () => src.checkOnce(), failed: -1 });
    await loop.follow(w.watch);
    await sleep(10);
    expect(src.reads).toBe(1);
    await loop.close();
    expect(w.unsubscribed).toBe(1);
  });

  it('checks again after a check that a notification arrived during', async () => {
    const src = gatedSource();
    const w = manualWatch();
    const loop = new FollowLoop({ description: 't', pollMs: 60_000, checkOnce: () => src.checkOnce(), failed: -1 });
    src.holdNext();
    await loop.follow(w.watch); // its first check is held open
    expect(src.reads).toBe(1);
    w.fire();
    w.fire();
    expect(src.reads).toBe(1); // shared, not run beside the held one
    src.release();
    await sleep(10);
    expect(src.reads).toBe(2); // one recheck for both notifications
    await loop.close();
  });

  it('falls back to polling, reported, when the watch cannot start; stop ends polling', async () => {
    const src = gatedSource();
    const errors: string[] = [];
    const loop = new FollowLoop({
      description: 'registry:m champion',
      pollMs: 20,
      checkOnce: () => src.checkOnce(),
      failed: -1,
      onError: (_e, context) => errors.push(context),
    });
    await loop.follow(async () => {
      throw new Error('no LISTEN');
    });
    expect(errors).toEqual(['cannot watch registry:m champion; following it by polling every 20 ms']);
    await sleep(150);
    const polled = src.reads;
    expect(polled).toBeGreaterThanOrEqual(2);
    loop.stop();
    await sleep(100);
    expect(src.reads).toBe(polled);
  });

  it('resolves a failed check to the fallback value and reports it', async () => {
    const errors: string[] = [];
    const loop = new FollowLoop({
      description: 'registry:m canary',
      pollMs: 0,
      checkOnce: async () => {
        throw new Error('db gone');
      },
      failed: false,
      onError: (err, context) => errors.push(`${context}: ${(err as Error).message}`),
    });
    expect(await loop.check()).toBe(false);
    expect(errors).toEqual(['checking registry:m canary failed: db gone']);
  });
});
