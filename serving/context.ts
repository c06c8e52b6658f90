import type { FastifyRequest } from 'fastify';
import { decodeContentEncoding } from './body.js';
import type { ServingMetrics } from './metrics.js';
import type { ModelFollower } from './model-follower.js';
import type { PredictService } from './predict.js';
import type { PredictionSink } from './prediction-log.js';

/** What the route modules share. */
export interface ServingContext {
  service: PredictService;
  follower: ModelFollower;
  metrics: ServingMetrics;
  sink: PredictionSink | null;
  /** Readiness: false once shutdown began (probes say "not ready" while in-flight requests drain). */
  state: { ready: boolean };
  bodyLimit: number;
  /** driftloop's package version (V2 server metadata, MLflow /version). */
  serverVersion: string;
  /** The address the server listens on, e.g. http://127.0.0.1:8080 (vetiver's metadata url). */
  baseUrl(): string;
}

/**
 * Which protocol a route speaks: the error handler answers in that protocol's
 * error shape (vetiver {error, field, row} with 422, V2 {error} with 400,
 * MLflow {error_code, message} with 400).
 */
export type Protocol = 'vetiver' | 'v2' | 'mlflow' | 'driftloop';

declare module 'fastify' {
  interface FastifyContextConfig {
    protocol?: Protocol;
  }
}

/** The raw request body (see body.ts), Content-Encoding undone. */
export function rawBody(request: FastifyRequest, limit: number): Buffer {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  return decodeContentEncoding(body, request.headers['content-encoding'], limit);
}
