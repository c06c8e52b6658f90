import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from 'pino';
import type { LogLevelName } from './logger.js';

/**
 * The Temporal SDK's Runtime logger, written through pino: the SDK's own
 * lines (worker state, activity started/completed/failed), the activity
 * context logger (`log` from @temporalio/activity, which adds workflowId,
 * workflowRunId, activityType, attempt…), workflow `log` calls (workflowId,
 * runId via the SDK's sink) and, forwarded, the native core's lines. The
 * SDK's metadata become the line's fields as they are.
 */
export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly pino: Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    // Symbol keys (the SDK's LogTimestamp) are not fields; pino leaves them out.
    const method = level.toLowerCase() as Lowercase<LogLevel>;
    this.pino[method]({ ...(meta ?? {}) }, message);
  }
  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}

/**
 * The SDK core's filter level for a pino level: warnings and errors at most.
 * The core prints on stdout (not forwarded, see worker/start.ts), where only
 * trouble may interrupt the commands' output.
 */
export function coreLevel(level: LogLevelName): LogLevel {
  return level === 'error' || level === 'fatal' || level === 'silent' ? 'ERROR' : 'WARN';
}
