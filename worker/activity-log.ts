import type { Context } from '@temporalio/activity';
import type { ActivityInterceptors } from '@temporalio/worker';

/**
 * One `info` line per completed activity, so that the default log level
 * shows each stage of each pass with its run. The SDK logs an activity's start
 * and completion only at `debug`, and failures at `warn`. The line goes
 * through the activity context logger, which adds the SDK's attributes
 * (workflowId, workflowRunId, activityType, attempt, taskQueue…).
 */
export function activityOutcomeLog(ctx: Context): ActivityInterceptors {
  return {
    inbound: {
      async execute(input, next) {
        const started = Date.now();
        const result = await next(input);
        ctx.log.info('activity completed', { durationMs: Date.now() - started });
        return result;
      },
    },
  };
}
