import type { FastifyError, FastifyInstance } from 'fastify';
import type { Protocol, ServingContext } from './context.js';
import { InputError, NotImplementedError, NotReadyError, ResourceNotFoundError } from './errors.js';

/**
 * Every failure becomes a response in the shape of the protocol the route
 * speaks (vetiver {error, field, row}, V2 {error}, MLflow {error_code,
 * message}) and is counted by kind; nothing a client sends can crash the
 * process. Unexpected errors are 500s, logged with their stack.
 */
export function installErrorHandlers(app: FastifyInstance, ctx: ServingContext): void {
  app.setErrorHandler((err: FastifyError | Error, request, reply) => {
    const protocol: Protocol = request.routeOptions.config?.protocol ?? 'driftloop';
    const route = request.routeOptions.url ?? 'unmatched';
    const e = classify(err, protocol, ctx.bodyLimit);
    if (e.status >= 500 && e.kind === 'internal') request.log.error({ err }, 'request failed');
    ctx.metrics.errors.inc({ route, kind: e.kind });
    return reply.code(e.status).send(errorBody(protocol, e));
  });
  app.setNotFoundHandler((request, reply) => {
    ctx.metrics.errors.inc({ route: 'unmatched', kind: 'no_route' });
    return reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}; see /docs` });
  });
}

interface Classified {
  status: number;
  kind: string;
  message: string;
  field?: string;
  row?: number;
}

function classify(err: FastifyError | Error, protocol: Protocol, bodyLimit: number): Classified {
  if (err instanceof InputError) {
    const status = err.status ?? (protocol === 'vetiver' ? 422 : 400);
    const kind = status === 413 ? 'too_large' : status === 415 ? 'unsupported_media_type' : 'input';
    return { status, kind, message: err.message, field: err.field, row: err.row };
  }
  if (err instanceof ResourceNotFoundError) return { status: 404, kind: 'not_found', message: err.message };
  if (err instanceof NotReadyError) return { status: 503, kind: 'not_ready', message: err.message };
  if (err instanceof NotImplementedError) return { status: 501, kind: 'not_implemented', message: err.message };
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, kind: 'too_large', message: `the request body exceeds the limit of ${bodyLimit} bytes` };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { status: fe.statusCode, kind: 'http', message: fe.message };
  }
  return { status: 500, kind: 'internal', message: `internal error: ${err.message}` };
}

function errorBody(protocol: Protocol, e: Classified): Record<string, unknown> {
  if (protocol === 'mlflow') {
    const code = e.status === 404 ? 'RESOURCE_DOES_NOT_EXIST' : e.status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
    return { error_code: code, message: e.message };
  }
  if (protocol === 'v2') return { error: e.message };
  return { error: e.message, ...(e.field !== undefined ? { field: e.field } : {}), ...(e.row !== undefined ? { row: e.row } : {}) };
}
