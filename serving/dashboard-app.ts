import Fastify, { type FastifyInstance } from 'fastify';
import type { ReportSource } from '../reports/source.js';
import { DEFAULT_BODY_LIMITS, installJsonErrors, limitOptions, type HttpTimeouts } from './http-limits.js';
import { registerReports } from './routes/reports.js';

/**
 * `driftloop dashboard`'s HTTP server: the /reports routes alone (GET "/"
 * redirects there), with the limits of every driftloop server: a small body
 * limit (it takes no bodies), the timeouts, and JSON `{error}` answers for
 * unknown routes and client errors.
 */
export function buildDashboardApp(source: ReportSource, opts: { timeouts?: Partial<HttpTimeouts> } = {}): FastifyInstance {
  const bodyLimit = DEFAULT_BODY_LIMITS.dashboard;
  const app = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true }, ...limitOptions(bodyLimit, opts.timeouts) });
  installJsonErrors(app, { bodyLimit, notFound: (method, path) => `no route ${method} ${path}; the dashboard is at GET /reports` });
  registerReports(app, source);
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/reports'));
  return app;
}
