import { pino, type DestinationStream, type Logger } from 'pino';
import { ConfigError } from '../errors/index.js';
import { scrubberFor, secretsFromEnv } from './secrets.js';

export type { Logger } from 'pino';

/**
 * The long-running processes' records (worker, serving, webhook receiver,
 * `driftloop dev`): one JSON object per line on stderr (or appended to
 * DRIFTLOOP_LOG_FILE), with `level` (a name), `time` (ISO 8601), `msg`,
 * `name` (the process) and the fields of the call (requestId, workflowId…).
 * Human-facing CLI output (tables, progress, "serving … at URL") stays on
 * stdout as plain text; it is not a log.
 *
 * Secrets are kept out twice: `redact` censors fields known to carry them
 * (authorization headers, tokens, passwords…) wherever a log call passes
 * them, and every finished line is scrubbed of the secret values the
 * environment holds and of credentials inside URLs (secrets.ts), because an
 * error message can echo a URL or a header no path names.
 */

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

/** DRIFTLOOP_LOG_LEVEL (any case; WARN works as the SDK's spelling did), default info. */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LogLevelName {
  const raw = env.DRIFTLOOP_LOG_LEVEL?.trim();
  if (!raw) return 'info';
  const level = raw.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`DRIFTLOOP_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, not ${JSON.stringify(raw)}`, { field: 'DRIFTLOOP_LOG_LEVEL' });
  }
  return level as LogLevelName;
}

/**
 * Field paths censored wherever they occur in a log call (pino's redact;
 * `*` is one level). Headers: what Fastify's or octokit's errors may carry.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-hub-signature-256"]',
  'headers["x-api-key"]',
  'err.request.headers.authorization',
  'err.response.headers.authorization',
  'error.request.headers.authorization',
  'error.response.headers.authorization',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'apiKey',
  '*.apiKey',
  'connectionString',
  '*.connectionString',
  'databaseUrl',
  '*.databaseUrl',
  // The SDK adds every activity's task token to its log attributes: whoever holds it can complete the activity.
  'taskToken',
];

export const REDACTED = '[REDACTED]';

export interface LoggerOptions {
  /** The process: "worker", "serve", "github-serve", "dev". */
  name: string;
  env?: NodeJS.ProcessEnv;
  /** Where lines go (tests); default stderr, or DRIFTLOOP_LOG_FILE when set. */
  destination?: { write(line: string): unknown };
  /** Overrides DRIFTLOOP_LOG_LEVEL. */
  level?: LogLevelName;
}

export function createLogger(opts: LoggerOptions): Logger {
  const env = opts.env ?? process.env;
  const level = opts.level ?? logLevelFromEnv(env);
  const scrub = scrubberFor(secretsFromEnv(env));
  const target = opts.destination ?? defaultDestination(env);
  // Scrubbing the finished line catches a secret wherever it hides: msg, err.message, err.stack, nested fields.
  const stream: DestinationStream = { write: (line: string) => void target.write(scrub(line)) };
  return pino(
    {
      name: opts.name,
      level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // The SDK passes failures as `error`; pino serialises only `err` by default.
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    stream,
  );
}

function defaultDestination(env: NodeJS.ProcessEnv): { write(line: string): unknown } {
  const file = env.DRIFTLOOP_LOG_FILE?.trim();
  // Synchronous writes: a line logged just before a crash or exit is not lost.
  return file ? pino.destination({ dest: file, append: true, mkdir: true, sync: true }) : pino.destination({ fd: 2, sync: true });
}
