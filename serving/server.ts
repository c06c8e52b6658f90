import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { registerPlayground } from '../playground/routes.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logging/logger.js';
import { projectRoot } from '../config/paths.js';
import { ReportFiles } from '../reports/file-store.js';
import { reportSource, type ReportSource } from '../reports/source.js';
import { CHAMPION, type Registry } from '../registry/types.js';
import { DEFAULT_BATCHER_OPTIONS, type BatcherOptions } from './batcher.js';
import { CanaryFollower, registryCanarySource } from './canary-follower.js';
import type { ValidationPolicy } from './columns.js';
import type { ServingContext } from './context.js';
import { installErrorHandlers } from './error-responses.js';
import { DEFAULT_BODY_LIMITS, limitOptions, type HttpTimeouts } from './http-limits.js';
import { LoadedModel, type ModelIdentity } from './loaded-model.js';
import { ServingMetrics } from './metrics.js';
import { sharedAliasWatch } from './shared-watch.js';
import { ModelFollower } from './model-follower.js';
import { fileSource, registrySource, type ModelArtifact, type ModelSource } from './model-source.js';
import { registerDocs, registerOpenApi } from './openapi.js';
import { PredictService } from './predict.js';
import { DEFAULT_LOG_OPTIONS, PredictionLogger, type PredictionLogOptions, type PredictionSink } from './prediction-log.js';
import { registerFeedback } from './routes/feedback.js';
import { registerMlflow } from './routes/mlflow.js';
import { registerReports } from './routes/reports.js';
import { registerV2 } from './routes/v2.js';
import { registerVetiver } from './routes/vetiver.js';

export type ServingSource =
  /** A registry alias, followed: promoting a new version swaps it in without a restart. */
  | { registry: Registry; model: string; alias?: string }
  /** A trainer-made ONNX file with metadata.json (and optionally prototype.json) beside it. */
  | { onnx: string; name?: string }
  /** Any other source (tests). */
  | { source: ModelSource };

export interface ServingOptions {
  source: ServingSource;
  /** Default 127.0.0.1: exposing the server is an explicit choice. */
  host?: string;
  /** Default 8080; 0 picks a free port. */
  port?: number;
  /**
   * How often the alias is re-read (registry sources), default 1000 ms; 0
   * disables following. A PostgreSQL registry also announces each move
   * (LISTEN/NOTIFY), which is followed at once; polling is then the safety net.
   */
  pollMs?: number;
  /** Micro-batching: rows per model run (default 256), wait for company (default 2 ms), runs in flight (default 2). */
  maxBatchRows?: number;
  maxWaitMs?: number;
  maxConcurrentRuns?: number;
  /** Request body limit in bytes (default 8 MiB): 413 beyond. */
  bodyLimit?: number;
  /** Connection, request and keep-alive timeouts (defaults in http-limits.ts). */
  timeouts?: Partial<HttpTimeouts>;
  /** Rows per request (default 10 000): 413 beyond. */
  maxRows?: number;
  /** A field that is not a feature: 'reject' (default) or 'ignore'. */
  extraFields?: ValidationPolicy['extraFields'];
  /** Where prediction records (and feedback) go; none by default. */
  sink?: PredictionSink | null;
  log?: Partial<PredictionLogOptions>;
  /**
   * The process's logger (logging/logger.ts: JSON, secrets scrubbed): one
   * line per request (requestId, method, url, status, ms, model, version)
   * at info, swaps and failures; or Fastify's own logger options. Off by default.
   */
  logger?: boolean | { level: string } | Logger;
  /** onnxruntime intra-op threads per session (default 1, as inference/onnx-model.ts: batching gives the parallelism). */
  intraOpNumThreads?: number;
  /**
   * What GET /reports (dashboard) and /reports/<id> serve. Default: with a
   * registry source, its models and the report files under DRIFTLOOP_HOME;
   * otherwise (or null) no report routes.
   */
  reports?: ReportSource | null;
  /** Node process metrics (CPU, memory, event loop) in /metrics; default true. */
  processMetrics?: boolean;
  /**
   * More routes, registered before the server listens (Fastify takes no routes
   * after that): `current()` is the version being served right now.
   */
  extraRoutes?: (app: FastifyInstance, current: () => LoadedModel) => void | Promise<void>;
  events?: {
    swap?: (from: ModelIdentity, to: ModelIdentity) => void;
    /** The canary started, changed share or version, or ended (null). */
    canary?: (to: { version: string; share: number } | null) => void;
    error?: (err: unknown, context: string) => void;
  };
}

export interface ServingServer {
  app: FastifyInstance;
  url: string;
  port: number;
  metrics: ServingMetrics;
  follower: ModelFollower;
  /** The registry's canary of the served model, followed like the champion; null when the source has no canaries (files, non-champion aliases). */
  canary: CanaryFollower | null;
  /** Graceful: stops accepting, lets in-flight requests finish, flushes the prediction log, releases the sessions. */
  close(): Promise<void>;
}

const serverVersion: string = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version;

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export async function createServingServer(opts: ServingOptions): Promise<ServingServer> {
  const bodyLimit = opts.bodyLimit ?? DEFAULT_BODY_LIMITS.serving;
  const limits = limitOptions(bodyLimit, opts.timeouts);
  const policy: ValidationPolicy = { extraFields: opts.extraFields ?? 'reject', maxRows: opts.maxRows ?? 10_000 };
  const batcher: BatcherOptions = {
    maxBatchRows: opts.maxBatchRows ?? DEFAULT_BATCHER_OPTIONS.maxBatchRows,
    maxWaitMs: opts.maxWaitMs ?? DEFAULT_BATCHER_OPTIONS.maxWaitMs,
    maxConcurrentRuns: opts.maxConcurrentRuns ?? DEFAULT_BATCHER_OPTIONS.maxConcurrentRuns,
  };
  const metrics = new ServingMetrics({ processMetrics: opts.processMetrics });
  let app: FastifyInstance | undefined;

  // The champion's and the canary's followers share one alias watch (one LISTEN connection on PostgreSQL).
  const watch = 'registry' in opts.source && opts.source.registry.watchAliases ? sharedAliasWatch(opts.source.registry.watchAliases.bind(opts.source.registry)) : undefined;
  const source = await resolveSource(opts.source, watch);
  const load = async (artifact: ModelArtifact): Promise<LoadedModel> => {
    const model = await LoadedModel.load({
      ...artifact,
      batcher,
      intraOpNumThreads: opts.intraOpNumThreads,
      observe: (rows, requests) => {
        metrics.batchRows.observe(rows);
        metrics.batchRequests.observe(requests);
      },
    });
    try {
      await model.warm();
    } catch (err) {
      await model.retire();
      throw err;
    }
    return model;
  };
  const follower = await ModelFollower.start(source, {
    pollMs: opts.pollMs ?? 1000,
    load,
    onSwap: (from, to) => {
      metrics.swaps.inc();
      metrics.setModel(to.identity, from.identity);
      app?.log.info({ from: from.identity.version, to: to.identity.version }, 'model version swapped');
      opts.events?.swap?.(from.identity, to.identity);
    },
    onError: (err, context) => {
      metrics.reloadFailures.inc();
      app?.log.warn({ err }, context);
      opts.events?.error?.(err, context);
    },
  });
  metrics.setModel(follower.current.identity);
  // A canary shares the champion's traffic; serving another alias (or a file) serves just that.
  const src = opts.source;
  let canary: CanaryFollower | null = null;
  if ('registry' in src && (src.alias ?? CHAMPION) === CHAMPION) {
    try {
      canary = await CanaryFollower.start(registryCanarySource(src.registry, src.model, watch), {
        pollMs: opts.pollMs ?? 1000,
        load,
        onChange: (from, to) => {
          metrics.setCanary(src.model, to);
          app?.log.info({ from, to }, 'canary changed');
          opts.events?.canary?.(to);
        },
        onError: (err, context) => {
          metrics.reloadFailures.inc();
          app?.log.warn({ err }, context);
          opts.events?.error?.(err, context);
        },
      });
    } catch (err) {
      await follower.close();
      throw err;
    }
  }

  const logger = opts.sink
    ? new PredictionLogger(opts.sink, { ...DEFAULT_LOG_OPTIONS, ...defined(opts.log ?? {}) }, {
        written: (n) => metrics.loggedRecords.inc(n),
        dropped: (n, err) => {
          metrics.droppedRecords.inc(n);
          if (err) app?.log.warn({ err }, `prediction log: ${n} records dropped`);
        },
      })
    : null;

  const state = { ready: true };
  let address = '';
  const ctx: ServingContext = {
    service: new PredictService(follower, policy, metrics, logger, canary),
    follower,
    metrics,
    sink: opts.sink ?? null,
    state,
    bodyLimit,
    serverVersion,
    baseUrl: () => address,
  };

  try {
    app = Fastify({
      ...(isLogger(opts.logger) ? { loggerInstance: opts.logger as FastifyBaseLogger } : { logger: opts.logger ?? false }),
      // Fastify's two lines per request are replaced by one (onResponse below) that names the model and version.
      logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
      ...limits,
      // Accept the caller's X-Request-Id (a gateway's, or one the client wants to
      // quote in POST /feedback) when it is a sane token; otherwise make one.
      requestIdHeader: false,
      genReqId: (req) => {
        const given = req.headers['x-request-id'];
        return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      },
      routerOptions: { ignoreTrailingSlash: true },
    });
    await configure(app, ctx);
    await registerPlayground(app, {
      current: () => {
        const m = follower.current;
        return { name: m.identity.name, version: m.identity.version, card: m.card, onnx: m.onnx };
      },
    });
    const reports = opts.reports === undefined && 'registry' in opts.source ? reportSource({ files: ReportFiles.inHome(), registry: opts.source.registry }) : opts.reports;
    if (reports) registerReports(app, reports);
    await opts.extraRoutes?.(app, () => follower.current);
    await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 8080 });
  } catch (err) {
    await app?.close().catch(() => undefined);
    await logger?.close();
    await canary?.close();
    await follower.close();
    throw err;
  }

  const info = app.server.address() as AddressInfo;
  const host = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  address = `http://${host}:${info.port}`;

  let closing: Promise<void> | null = null;
  const server = app;
  return {
    app,
    url: address,
    port: info.port,
    metrics,
    follower,
    canary,
    close: () =>
      (closing ??= (async () => {
        state.ready = false;
        follower.stop();
        canary?.stop();
        // Stops accepting; in-flight requests complete first. Keep-alive
        // connections would otherwise hold close() open for Fastify's 72 s
        // keepAliveTimeout: responses now say Connection: close (onSend), and
        // connections that turn idle meanwhile are closed as they do.
        const sweep = setInterval(() => server.server.closeIdleConnections(), 25);
        try {
          await server.close();
        } finally {
          clearInterval(sweep);
        }
        await logger?.close(); // every served prediction reaches the sink
        await canary?.close();
        await follower.close(); // sessions released once their requests drained
      })()),
  };
}

async function resolveSource(s: ServingSource, watch: Registry['watchAliases']): Promise<ModelSource> {
  if ('source' in s) return s.source;
  if ('onnx' in s) return fileSource(s.onnx, s.name);
  return registrySource(s.registry, s.model, s.alias ?? CHAMPION, watch);
}

async function configure(app: FastifyInstance, ctx: ServingContext): Promise<void> {
  // Bodies stay raw bytes, whatever (or whether) the Content-Type: each
  // protocol decodes its own (see body.ts). The body limit applies here.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  // zod validates in the handlers; the route schemas (generated from the same
  // zod objects) are for the OpenAPI document only, so Fastify neither
  // validates nor serialises with them.
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    if (!ctx.state.ready) reply.header('connection', 'close'); // shutting down: do not keep the connection
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.requests.inc({ route, method: request.method, status: String(reply.statusCode) });
    ctx.metrics.latency.observe({ route, method: request.method }, reply.elapsedTime / 1000);
    // The version that answered (a canary's, during a canary) when a model answered; else the one being served.
    const current = ctx.follower.current.identity;
    request.log.info(
      {
        method: request.method,
        url: request.url,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        model: String(reply.getHeader('x-model-name') ?? current.name),
        version: String(reply.getHeader('x-model-version') ?? current.version),
      },
      'request completed',
    );
  });

  installErrorHandlers(app, ctx);

  await registerOpenApi(app, ctx);
  registerVetiver(app, ctx);
  registerV2(app, ctx);
  registerMlflow(app, ctx);
  registerFeedback(app, ctx);
  app.get('/metrics', { schema: { tags: ['driftloop'], summary: 'Prometheus metrics' } }, async (_req, reply) =>
    reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
  );
  app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/docs'));
  await registerDocs(app, ctx);
}

function isLogger(l: ServingOptions['logger']): l is Logger {
  return typeof l === 'object' && l !== null && typeof (l as Logger).child === 'function';
}

/** Drops undefined values, so that `{ flushMs: undefined }` keeps the default. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
