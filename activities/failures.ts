import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DriftloopError } from '../errors/index.js';

/**
 * How often a running activity tells the server it is alive. The workflow's
 * `heartbeatTimeout` (15 s for the quick stages, workflows/retrain-pipeline.ts) must be several of these, so
 * that a worker killed mid-activity is noticed in seconds rather than at the
 * 10-minute start-to-close timeout. The SDK throttles what it sends to 80% of
 * the heartbeat timeout, so beating often costs nothing on the wire.
 */
export const HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * Runs an activity body and turns driftloop's typed errors into Temporal
 * ApplicationFailures: `type` is the error class, `nonRetryable` is set when a
 * retry cannot succeed (bad data, bad config, conflicting alias), and the
 * context travels in `details`. Anything else stays retryable.
 *
 * While the body runs inside an activity, it heartbeats every
 * HEARTBEAT_INTERVAL_MS (see keepAlive).
 */
export async function asActivity<T>(body: () => Promise<T>): Promise<T> {
  const stop = keepAlive();
  try {
    return await body();
  } catch (err) {
    if (err instanceof DriftloopError) {
      throw ApplicationFailure.create({
        message: err.message,
        type: err.name,
        nonRetryable: !err.retryable,
        details: [{ code: err.code, ...err.details }],
        cause: err.cause instanceof Error ? err.cause : undefined,
      });
    }
    throw err;
  } finally {
    stop();
  }
}

/**
 * Heartbeats on a timer while the activity runs. The server keeps only the
 * latest heartbeat's details (a retry resumes from them), so a bare beat would
 * erase the progress a body reported itself (the trainer's progress, a batch
 * chunk's offset): every beat repeats the details of the body's last
 * `heartbeat(details)`, which is observed by wrapping the context's own
 * function for the duration of this activity. Outside an activity (a test
 * calling the function directly) there is no context and nothing to do.
 */
function keepAlive(): () => void {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return () => undefined;
  }
  const send = ctx.heartbeat;
  let details: unknown;
  // `heartbeat` is a per-activity arrow-function field of the context, typed readonly only to stop accidental reassignment.
  Object.defineProperty(ctx, 'heartbeat', {
    configurable: true,
    writable: true,
    value: (d?: unknown) => {
      details = d;
      send(d);
    },
  });
  const timer = setInterval(() => send(details), HEARTBEAT_INTERVAL_MS);
  // A beat pending at exit must not keep a worker that is shutting down alive.
  timer.unref();
  return () => {
    clearInterval(timer);
    Object.defineProperty(ctx, 'heartbeat', { configurable: true, writable: true, value: send });
  };
}
