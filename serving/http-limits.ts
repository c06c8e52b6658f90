import type { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify';

/**
 * The limits every driftloop HTTP server (serving, `github serve`'s webhook
 * receiver, `driftloop dashboard`) runs with, so that no client can hold a
 * connection or memory without bound: a body-size limit, and Fastify's three
 * timeouts (Fastify itself sets none of the first two).
 */
export interface HttpTimeouts {
  /** A socket with no traffic for this long is closed (Fastify `connectionTimeout`, Node `server.timeout`). */
  connectionTimeoutMs: number;
  /** The whole request (headers and body) must arrive within this time, else 408 (Fastify `requestTimeout`). Node checks it every 30 s. */
  requestTimeoutMs: number;
  /**
   * An idle keep-alive connection is closed after this long (Fastify `keepAliveTimeout`).
   * Above the 60 s idle timeout of common load balancers, so that they close first.
   */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = {
  connectionTimeoutMs: 120_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000,
};

/** Body limits per surface (bytes): a prediction batch, a GitHub payload (GitHub caps them at 25 MB), a GET-only dashboard. */
export const DEFAULT_BODY_LIMITS = {
  serving: 8 * 1024 * 1024,
  webhook: 25 * 1024 * 1024,
  dashboard: 16 * 1024,
} as const;

/** Fastify options for the limits: a timeout left out keeps its default. */
export function limitOptions(bodyLimit: number, timeouts: Partial<HttpTimeouts> = {}): Pick<FastifyServerOptions, 'bodyLimit' | 'connectionTimeout' | 'requestTimeout' | 'keepAliveTimeout'> {
  const t = { ...DEFAULT_HTTP_TIMEOUTS, ...Object.fromEntries(Object.entries(timeouts).filter(([, v]) => v !== undefined)) };
  for (const [name, value] of Object.entries({ bodyLimit, ...t })) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return { bodyLimit, connectionTimeout: t.connectionTimeoutMs, requestTimeout: t.requestTimeoutMs, keepAliveTimeout: t.keepAliveTimeoutMs };
}

/**
 * The JSON error shape shared by the servers that speak no protocol of their
 * own (webhook receiver, dashboard): `{ error: "<one line>" }`, with the
 * status of a client error Fastify raised (bad URL, body too large, timeout…).
 * Anything else is a 500 with a one-line message (no stack to the client).
 */
export function installJsonErrors(app: FastifyInstance, opts: { bodyLimit: number; notFound: (method: string, path: string) => string }): void {
  app.setErrorHandler((err: FastifyError | Error, _req, reply) => {
    const fe = err as FastifyError;
    const client = typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500;
    const status = client ? fe.statusCode! : 500;
    const message =
      fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? `the request body exceeds the limit of ${opts.bodyLimit} bytes` : (err.message.split('\n')[0] ?? 'error');
    return reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: opts.notFound(req.method, req.url.split('?')[0]!) }));
}
