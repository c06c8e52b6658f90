import { parse as parseCsv } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { parseJsonBody } from '../body.js';
import type { Columns, ValidationPolicy } from '../columns.js';
import { columnsFromColumnMap, columnsFromRecords, columnsFromSplit, columnsFromText } from '../row-formats.js';
import { rawBody, type ServingContext } from '../context.js';
import { describeIssues, InputError } from '../errors.js';
import type { FeatureSchema } from '../features.js';
import { predictedValues } from '../predict.js';
import { jsonSchema, MlflowError, MlflowRequest, MlflowResponse } from '../schemas.js';

/**
 * MLflow's scoring protocol (what `mlflow models serve` answers), so MLflow
 * deployment clients and scripts written against it work: POST /invocations
 * with JSON (dataframe_split, dataframe_records, instances or inputs) or CSV,
 * GET /health and GET /version.
 */
export function registerMlflow(app: FastifyInstance, ctx: ServingContext): void {
  const config = { protocol: 'mlflow' as const };
  const tags = ['MLflow'];

  app.post(
    '/invocations',
    {
      config,
      schema: {
        tags,
        summary: 'Predict (MLflow scoring protocol)',
        description: 'Content-Type application/json (one of the four keys) or text/csv (a header row naming the features).',
        body: {
          content: {
            'application/json': { schema: jsonSchema(MlflowRequest) },
            'text/csv': { schema: { type: 'string', description: 'CSV with a header row; blank (or "nan" in a numeric column) = missing' } },
          },
        },
        response: { 200: jsonSchema(MlflowResponse), 400: jsonSchema(MlflowError) },
      },
    },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
      const body = rawBody(request, ctx.bodyLimit);
      let decode: (schema: FeatureSchema) => Columns;
      if (type === 'text/csv') {
        const table = readCsv(body);
        decode = (schema) => columnsFromText(table.header, table.rows, schema, ctx.service.policy);
      } else if (type === 'application/json' || type.endsWith('+json')) {
        const parsed = MlflowRequest.safeParse(parseJsonBody(body));
        if (!parsed.success) throw new InputError(`invalid MLflow request: ${describeIssues(parsed.error.issues)}`);
        const req = parsed.data;
        decode = (schema) => fromJson(req, schema, ctx.service.policy);
      } else {
        throw new InputError(`Content-Type "${type}" is not supported by /invocations; use application/json or text/csv`, { status: 415 });
      }
      const p = await ctx.service.predict(request, reply, decode);
      return { predictions: predictedValues(p), model_version: p.identity.version };
    },
  );

  // MLflow's scoring server answers its health checks with 200 and an empty line.
  const health = async (_req: unknown, reply: import('fastify').FastifyReply) => {
    if (!ctx.state.ready) return reply.code(503).type('text/plain').send('shutting down\n');
    return reply.type('text/plain').send('\n');
  };
  app.get('/health', { config, schema: { tags, summary: 'Health (MLflow)' } }, health);
  app.get('/version', { config, schema: { tags, summary: 'Server version (MLflow)' } }, async (_req, reply) =>
    reply.type('text/plain').send(ctx.serverVersion),
  );
}

function fromJson(req: MlflowRequest, schema: FeatureSchema, policy: ValidationPolicy): Columns {
  if (req.dataframe_split) return columnsFromSplit(req.dataframe_split.columns, req.dataframe_split.data, schema, policy);
  if (req.dataframe_records) return columnsFromRecords(req.dataframe_records, schema, policy, 'dataframe_records');
  const value = req.instances ?? req.inputs;
  const key = req.instances ? 'instances' : 'inputs';
  if (Array.isArray(value)) return columnsFromRecords(value, schema, policy, key);
  return columnsFromColumnMap(value as Record<string, unknown>, schema, policy);
}

function readCsv(body: Buffer): { header: string[]; rows: string[][] } {
  let records: string[][];
  try {
    records = parseCsv(body, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (err) {
    throw new InputError(`the CSV body cannot be read: ${(err as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header) throw new InputError('the CSV body is empty (it needs a header row naming the features)');
  return { header, rows };
}
