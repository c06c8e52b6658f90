import type { FastifyReply, FastifyRequest } from 'fastify';
import { rowRecord, type Columns, type ValidationPolicy } from './columns.js';
import type { FeatureSchema } from './features.js';
import type { ClassValue, LoadedModel, ModelIdentity, RunOutput } from './loaded-model.js';
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
 * version, validate the rows against *that* version's schema (a hot swap may
 * change the features), run through the version's micro-batcher, hand the rows
 * to the prediction log, release the lease.
 */
export class PredictService {
  constructor(
    private readonly follower: ModelFollower,
    readonly policy: ValidationPolicy,
    private readonly metrics: ServingMetrics,
    private readonly logger: PredictionLogger | null,
  ) {}

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
  ): Promise<Prediction> {
    const lease = this.follower.acquire();
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
        this.logger.log(columns.rows, () => records(model, columns, output, { requestId, endpoint, at }));
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
  ctx: { requestId: string; endpoint: string; at: string },
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
    });
  }
  return out;
}
