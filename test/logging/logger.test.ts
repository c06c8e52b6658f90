import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors/index.js';
import { createLogger, logLevelFromEnv, REDACTED } from '../../logging/logger.js';
import { scrubberFor, secretsFromEnv } from '../../logging/secrets.js';
import { PinoTemporalLogger } from '../../logging/temporal-logger.js';

/**
 * The logging module on its own: the shape of a line, field redaction, and
 * value scrubbing of the environment's secrets wherever they hide in a line.
 * (test/logging/processes.test.ts checks the real processes.)
 */

const TOKEN = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const WEBHOOK_SECRET = 'whsec-"quoted\\and-slashed"-value';
const DB_PASSWORD = 'p@ss w/rd:42';
const API_KEY = 'tmprl-api-key-0123456789abcdef';
const env = {
  DRIFTLOOP_GITHUB_TOKEN: TOKEN,
  DRIFTLOOP_GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
  TEMPORAL_API_KEY: API_KEY,
  DRIFTLOOP_DATABASE_URL: `postgres://driftloop:${encodeURIComponent(DB_PASSWORD)}@db.internal:5432/driftloop`,
  DRIFTLOOP_LOG_LEVEL: 'debug',
};

function capture(e: NodeJS.ProcessEnv = env) {
  const lines: string[] = [];
  const logger = createLogger({ name: 'test', env: e, destination: { write: (l: string) => lines.push(l) } });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logging/logger', () => {
  it('writes one JSON object per line with a level name, an ISO time, msg and the process name', () => {
    const { logger, lines, parsed } = capture();
    logger.info({ requestId: 'r-1' }, 'hello');
    logger.debug('details');
    expect(lines.every((l) => l.endsWith('\n') && l.trimEnd().split('\n').length === 1)).toBe(true);
    const [a, b] = parsed();
    expect(a).toMatchObject({ level: 'info', msg: 'hello', name: 'test', requestId: 'r-1' });
    expect(new Date(String(a!.time)).toISOString()).toBe(a!.time);
    expect(b).toMatchObject({ level: 'debug', msg: 'details' });
  });

  it('takes its level from DRIFTLOOP_LOG_LEVEL (any case), info by default; a bad one is a ConfigError naming it', () => {
    expect(logLevelFromEnv({})).toBe('info');
    expect(logLevelFromEnv({ DRIFTLOOP_LOG_LEVEL: 'WARN' })).toBe('warn');
    expect(() => logLevelFromEnv({ DRIFTLOOP_LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    expect(() => logLevelFromEnv({ DRIFTLOOP_LOG_LEVEL: 'loud' })).toThrow(/DRIFTLOOP_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, not "loud"/);
    const { logger, lines } = capture({ DRIFTLOOP_LOG_LEVEL: 'warn' });
    logger.info('dropped');
    logger.warn('kept');
    expect(lines).toHaveLength(1);
  });

  it('censors fields that carry secrets: authorization headers, signatures, tokens, passwords, task tokens', () => {
    const { logger, parsed } = capture({});
    logger.info(
      {
        req: { headers: { authorization: 'Bearer zzz', 'x-hub-signature-256': 'sha256=abc', cookie: 'c=1', host: 'h' } },
        headers: { authorization: 'token t' },
        token: 't1',
        registry: { password: 'pw', host: 'db' },
        github: { apiKey: 'k' },
        taskToken: 'Y2FwYWJpbGl0eQ==',
      },
      'with fields',
    );
    const err = Object.assign(new Error('request failed'), { request: { headers: { authorization: 'token abc' } } });
    logger.error({ err }, 'failed');
    const [a, b] = parsed();
    expect(a).toMatchObject({
      req: { headers: { authorization: REDACTED, 'x-hub-signature-256': REDACTED, cookie: REDACTED, host: 'h' } },
      headers: { authorization: REDACTED },
      token: REDACTED,
      registry: { password: REDACTED, host: 'db' },
      github: { apiKey: REDACTED },
      taskToken: REDACTED,
    });
    expect(b).toMatchObject({ err: { message: 'request failed', request: { headers: { authorization: REDACTED } } } });
  });

  it("scrubs the environment's secret values wherever they occur: msg, an error's message and stack, nested fields; the line stays valid JSON", () => {
    const { logger, lines, parsed } = capture();
    logger.warn(`cannot reach ${env.DRIFTLOOP_DATABASE_URL}`);
    logger.error({ err: new Error(`GitHub said no to ${TOKEN}`) }, 'report failed');
    logger.info({ detail: { echoed: `secret=${WEBHOOK_SECRET}`, password: DB_PASSWORD, plain: DB_PASSWORD, key: API_KEY } }, `signature over ${WEBHOOK_SECRET}`);
    const out = lines.join('');
    for (const secret of [TOKEN, WEBHOOK_SECRET, JSON.stringify(WEBHOOK_SECRET).slice(1, -1), DB_PASSWORD, encodeURIComponent(DB_PASSWORD), API_KEY]) {
      expect(out).not.toContain(secret);
    }
    const [a, b, c] = parsed(); // every line still parses
    expect(a!.msg).toBe('cannot reach postgres://driftloop:[REDACTED]@db.internal:5432/driftloop');
    expect((b!.err as { message: string }).message).toBe('GitHub said no to [REDACTED]');
    expect(c).toMatchObject({ msg: 'signature over [REDACTED]', detail: { echoed: 'secret=[REDACTED]', plain: '[REDACTED]', key: '[REDACTED]' } });
  });

  it('scrubs credentials in any URL, GitHub-format tokens and bearer tokens even when the environment does not name them', () => {
    const scrub = scrubberFor([]);
    expect(scrub('postgresql://u:pw@h/db and amqp://x:short@q')).toBe('postgresql://u:[REDACTED]@h/db and amqp://x:[REDACTED]@q');
    expect(scrub('token github_pat_11ABCDEFG0123456789_abcdefghijklmnop used')).toBe('token [REDACTED] used');
    expect(scrub('Authorization: Bearer abc.def.ghi-jkl')).toBe('Authorization: Bearer [REDACTED]');
    expect(scrub('https://example.com/path?x=1')).toBe('https://example.com/path?x=1');
  });

  it('finds the secrets of an environment: named variables, *_TOKEN/*_SECRET/*_PASSWORD/*_API_KEY, database URL passwords; values too short to scrub safely are left to the URL rule', () => {
    const found = secretsFromEnv({ ...env, OTHER_SERVICE_TOKEN: 'other-token-value', SHORT_SECRET: 'abc', HOME: '/root', DRIFTLOOP_HOME: '/data' });
    expect(found.sort()).toEqual([TOKEN, WEBHOOK_SECRET, API_KEY, DB_PASSWORD, 'other-token-value'].sort());
  });

  it("bridges the Temporal SDK's logger: its level, message and metadata (workflowId, workflowRunId, activityType) become the line", () => {
    const { logger, parsed } = capture();
    const bridge = new PinoTemporalLogger(logger);
    bridge.debug('Activity started', { workflowId: 'wf-1', workflowRunId: 'run-1', activityType: 'retrain', attempt: 2, taskToken: 'abc' });
    bridge.warn('Activity failed', { workflowId: 'wf-1', error: new Error(`failed at ${env.DRIFTLOOP_DATABASE_URL}`) });
    const [a, b] = parsed();
    expect(a).toMatchObject({ level: 'debug', msg: 'Activity started', workflowId: 'wf-1', workflowRunId: 'run-1', activityType: 'retrain', attempt: 2, taskToken: REDACTED });
    expect(b).toMatchObject({ level: 'warn', msg: 'Activity failed', error: { type: 'Error', message: 'failed at postgres://driftloop:[REDACTED]@db.internal:5432/driftloop' } });
  });
});
