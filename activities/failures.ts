import { ApplicationFailure } from '@temporalio/common';
import { DriftloopError } from '../errors/index.js';

/**
 * Runs an activity body and turns driftloop's typed errors into Temporal
 * ApplicationFailures: `type` is the error class, `nonRetryable` is set when a
 * retry cannot succeed (bad data, bad config, conflicting alias), and the
 * context travels in `details`. Anything else stays retryable.
 */
export async function asActivity<T>(body: () => Promise<T>): Promise<T> {
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
  }
}
