import type { FastifyInstance, FastifyReply } from 'fastify';
import { NotFoundError } from '../../errors/index.js';
import { renderDashboardHtml } from '../../reports/dashboard-html.js';
import { text } from '../../reports/html.js';
import type { ReportSource } from '../../reports/source.js';

/**
 * GET /reports: the dashboard (models and links to their reports);
 * GET /reports/<id>: one stored report's HTML (an id may contain "/", as the
 * report files' `<model>/<name>` do). Used by the serving process and by
 * `driftloop dashboard`. Answers HTML, errors included, since people open
 * these in a browser; a client that asks for JSON (Accept: application/json,
 * no text/html) gets the servers' JSON error shape `{ error }` instead.
 */
export function registerReports(app: FastifyInstance, source: ReportSource, basePath = '/reports'): void {
  const hidden = { schema: { hide: true } };
  app.get(basePath, hidden, async (_req, reply) =>
    html(reply, renderDashboardHtml(await source.dashboard(), { basePath, generatedAt: new Date().toISOString() })),
  );
  app.get<{ Params: { '*': string } }>(`${basePath}/*`, hidden, async (req, reply) => {
    const id = req.params['*'];
    if (id === '') return reply.redirect(basePath); // "/reports/" is the dashboard
    try {
      return html(reply, await source.reportHtml(id));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      if (wantsJson(req.headers.accept)) return reply.code(404).send({ error: err.message });
      return html(
        reply.code(404),
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Report not found</title></head><body><h1>Report not found</h1><p>${text(err.message)}</p><p><a href="${basePath}">All reports</a></p></body></html>`,
      );
    }
  });
}

function wantsJson(accept: string | undefined): boolean {
  return !!accept && accept.includes('application/json') && !accept.includes('text/html');
}

function html(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('x-content-type-options', 'nosniff').header('cache-control', 'no-cache').send(body);
}
