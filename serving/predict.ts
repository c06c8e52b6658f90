import type { FastifyReply, FastifyRequest } from 'fastify';
import { rowRecord, type Columns, type ValidationPolicy } from './columns.js';
import type { FeatureSchema } from './features.js';
import type { ClassValue, LoadedModel, ModelIdentity, RunOutput } from './loaded-model.js';
import type { CanaryFollower } from './canary-follower.js';
import { routesToCanary } from './canary-routing.js';
import type { Lease } from './loaded-model.js';
import type { ServingMetrics } from './metrics.js';
import type { ModelFollower } from './model-follower.js';
import type { PredictionLogger, PredictionRecord } from './prediction-log.js';

/** A request's predictions, tied to the version that made them. */
export interface Prediction {
  model: LoadedModel;
  identity: ModelIdentity;
  output: RunOutput;
  unknownCategories: Map<string, number>;
}

/**
 * The one prediction path every protocol goes through: lease the current
 * version (the champion, or the canary for its share of request ids), validate the rows against *that* version's schema (a hot swap may
 * change the features), run through the version's micro-batcher, hand the rows
 * to the prediction log, release the lease.
 */
export class PredictService {
  constructor(
    private readonly follower: ModelFollower,
    readonly policy: ValidationPolicy,
    private readonly metrics: ServingMetrics,
    private readonly logger: PredictionLogger | null,
    /** The running canary, followed beside the champion (registry sources); null: everything goes to the champion. */
    private readonly canary: CanaryFollower | null = null,
  ) {}

  /**
   * The version a request is served by: the canary's share of request ids go
   * to the canary (unless it is the champion's version by now, e.g. just
   * promoted), the rest to the champion. `pin` (a request naming a version)
   * takes the canary when it names the canary's version.
   */
  private lease(requestId: string, pin?: string): Lease {
    const canary = this.canary?.current;
    if (canary && canary.model.identity.version !== this.follower.current.identity.version) {
      const wanted = pin === undefined ? routesToCanary(requestId, canary.share) : pin === canary.model.identity.version;
      if (wanted) {
        this.metrics.routed.inc({ arm: 'canary' });
        return canary.model.acquire();
      }
    }
    this.metrics.routed.inc({ arm: 'champion' });
    return this.follower.acquire();
  }

  /** The loaded model of `version` (the champion's or the canary's), or null when it is not being served. */
  served(version: string): LoadedModel | null {
    if (this.follower.current.identity.version === version) return this.follower.current;
    const canary = this.canary?.current?.model;
    return canary?.identity.version === version ? canary : null;
  }

  get current(): LoadedModel {
    return this.follower.current;
  }

  /** Writes every prediction logged so far (POST /feedback needs its prediction in the sink). */
  async flushLog(): Promise<void> {
    await this.logger?.flush();
  }

  async predict(
    request: FastifyRequest,
    reply: FastifyReply,
    decode: (schema: FeatureSchema, model: LoadedModel) => Columns,
    pin?: string,
  ): Promise<Prediction> {
    const started = performance.now();
    const lease = this.lease(String(request.id), pin);
    try {
      const model = lease.model;
      // The version is known before validation, so even a 4xx names the version that judged it.
      reply.header('x-model-name', model.identity.name).header('x-model-version', model.identity.version);
      const columns = decode(model.schema, model);
      this.metrics.requestRows.observe(columns.rows);
      for (const [feature, n] of columns.unknownCategories) this.metrics.unknownCategories.inc({ feature }, n);
      if (columns.unknownCategories.size > 0) {
        reply.header('x-unknown-categories', [...columns.unknownCategories].map(([f, n]) => `${f}=${n}`).join(', '));
      }
      const output = await model.predict(columns);
      if (this.logger) {
        const endpoint = request.routeOptions.url ?? request.url;
        const requestId = String(request.id);
        const at = new Date().toISOString();
        // Validation, queueing for a batch and the model run: what the version costs a caller.
        const latencyMs = performance.now() - started;
        this.logger.log(columns.rows, () => records(model, columns, output, { requestId, endpoint, at, latencyMs }));
      }
      return { model, identity: model.identity, output, unknownCategories: columns.unknownCategories };
    } finally {
      lease.release();
    }
  }
}

/** Class values per row (as the card spells them), or regression values. */
export function predictedValues(p: Prediction): (ClassValue | number)[] {
  if (p.output.labels) return p.output.labels.map((l) => p.model.classValue(l));
  return Array.from(p.output.values ?? []);
}

/** Probabilities per row as {class: p}. */
export function probabilityRecords(p: Prediction): Record<string, number>[] | undefined {
  const proba = p.output.probabilities;
  if (!proba) return undefined;
  const classes = p.model.classes.map(String);
  const k = classes.length || proba.length / Math.max(p.output.rows, 1);
  const out: Record<string, number>[] = [];
  for (let r = 0; r < p.output.rows; r++) {
    const rec: Record<string, number> = {};
    for (let c = 0; c < k; c++) rec[classes[c] ?? String(c)] = proba[r * k + c]!;
    out.push(rec);
  }
  return out;
}

function records(
  model: LoadedModel,
  columns: Columns,
  output: RunOutput,
  ctx: { requestId: string; endpoint: string; at: string; latencyMs: number },
): PredictionRecord[] {
  const p: Prediction = { model, identity: model.identity, output, unknownCategories: columns.unknownCategories };
  const values = predictedValues(p);
  const proba = probabilityRecords(p);
  const out: PredictionRecord[] = [];
  for (let row = 0; row < columns.rows; row++) {
    out.push({
      requestId: ctx.requestId,
      row,
      rows: columns.rows,
      model: model.identity.name,
      version: model.identity.version,
      endpoint: ctx.endpoint,
      at: ctx.at,
      features: rowRecord(columns, model.schema, row),
      prediction: values[row]!,
      ...(proba ? { probabilities: proba[row]! } : {}),
      latencyMs: ctx.latencyMs,
    });
  }
  return out;
}
