import type { FastifyInstance } from 'fastify';
import { parseJsonBody } from '../body.js';
import { columnsFromRecords } from '../row-formats.js';
import { rawBody, type ServingContext } from '../context.js';
import { rowJsonSchema } from '../features.js';
import { predictedValues, probabilityRecords } from '../predict.js';
import { ErrorBody, jsonSchema, VetiverPredictRequest, VetiverPredictResponse } from '../schemas.js';

/**
 * vetiver's REST API (as vetiver-python's VetiverAPI serves it), so vetiver's
 * own clients work unchanged: `vetiver.predict(endpoint, df)` posts
 * `df.to_json(orient="records")` with no Content-Type and reads the response
 * with pandas.DataFrame.from_dict, which takes our {predict, probabilities,
 * model_version} (lists of one entry per row plus a scalar) as columns.
 */
export function registerVetiver(app: FastifyInstance, ctx: ServingContext): void {
  const config = { protocol: 'vetiver' as const };
  const tags = ['vetiver'];

  app.post(
    '/predict',
    {
      config,
      schema: {
        tags,
        summary: 'Predict (vetiver)',
        description:
          'A JSON array of records, one per row. Any or no Content-Type is accepted (vetiver\'s Python client sends none). ' +
          'Invalid rows are rejected with 422 naming the field and the (0-based) row.',
        body: jsonSchema(VetiverPredictRequest),
        response: { 200: jsonSchema(VetiverPredictResponse), 422: jsonSchema(ErrorBody) },
      },
    },
    async (request, reply) => {
      const records = parseJsonBody(rawBody(request, ctx.bodyLimit));
      const p = await ctx.service.predict(request, reply, (schema) => columnsFromRecords(records, schema, ctx.service.policy));
      const probabilities = probabilityRecords(p);
      return { predict: predictedValues(p), ...(probabilities ? { probabilities } : {}), model_version: p.identity.version };
    },
  );

  app.get('/ping', { config, schema: { tags, summary: 'Liveness (vetiver)' } }, async () => ({ ping: 'pong' }));

  app.get(
    '/metadata',
    {
      config,
      schema: {
        tags,
        summary: 'Model metadata (vetiver)',
        description: "vetiver's metadata fields (user, version, url, required_pkgs) plus the driftloop model card and version.",
      },
    },
    async (_request, reply) => {
      const m = ctx.service.current;
      reply.header('x-model-version', m.identity.version);
      return {
        user: {},
        version: m.identity.version,
        url: `${ctx.baseUrl()}/predict`,
        required_pkgs: requiredPackages(m.card.libraries),
        model: m.identity,
        model_card: m.card,
      };
    },
  );

  app.get(
    '/prototype',
    {
      config,
      schema: { tags, summary: 'Input row schema (vetiver)', description: 'JSON Schema of one input row, with examples from the model (prototype.json or the card).' },
    },
    async (_request, reply) => {
      const m = ctx.service.current;
      reply.header('x-model-version', m.identity.version);
      return rowJsonSchema(m.card, m.examples, ctx.service.policy.extraFields);
    },
  );
}

/** pip requirements to rebuild the model from its card's library versions (vetiver's required_pkgs). */
function requiredPackages(libraries: Record<string, string>): string[] {
  const pip: Record<string, string> = { sklearn: 'scikit-learn' };
  return Object.entries(libraries)
    .filter(([name]) => name !== 'python')
    .map(([name, version]) => `${pip[name] ?? name}==${version}`);
}
