import type { EventEmitter } from 'node:events';

/** Where SIGINT/SIGTERM come from: the process, or a test's own emitter. */
export type SignalSource = Pick<EventEmitter, 'once' | 'off'>;

/** Resolves on the first SIGINT/SIGTERM, or when `done` settles, whichever comes first. */
export async function untilInterrupted(done?: Promise<unknown>, signals: SignalSource = process): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const stop = () => {
      signals.off('SIGINT', stop);
      signals.off('SIGTERM', stop);
      resolve();
    };
    signals.once('SIGINT', stop);
    signals.once('SIGTERM', stop);
    done?.then(stop, (err) => {
      stop();
      reject(err);
    });
  });
}
