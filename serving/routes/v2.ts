import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseJsonBody } from '../body.js';
import { rawBody, type ServingContext } from '../context.js';
import { describeIssues, InputError, ResourceNotFoundError } from '../errors.js';
import type { LoadedModel } from '../loaded-model.js';
import {
  jsonSchema,
  V2Error,
  V2InferenceRequest,
  V2InferenceResponse,
  V2ModelMetadata,
  V2ServerMetadata,
} from '../schemas.js';
import { sliceBinaryInputs, splitInferenceBody } from '../v2-binary.js';
import { columnsFromTensors, inferResponse, modelMetadata } from '../v2-tensors.js';

/**
 * The Open Inference Protocol (KServe V2 / Triton) over REST, with Triton's
 * binary tensor data extension. Inputs are one tensor per feature, named as
 * the feature, shape [N, 1] or [N]; outputs are the ONNX model's own
 * ("label" + "probabilities", or "variable").
 */
export function registerV2(app: FastifyInstance, ctx: ServingContext): void {
  const config = { protocol: 'v2' as const };
  const tags = ['Open Inference Protocol (V2)'];
  const errors = { 400: jsonSchema(V2Error), 404: jsonSchema(V2Error) };

  app.get('/v2', { config, schema: { tags, summary: 'Server metadata', response: { 200: jsonSchema(V2ServerMetadata) } } }, async () => ({
    name: 'driftloop',
    version: ctx.serverVersion,
    extensions: ['binary_tensor_data'],
  }));

  app.get('/v2/health/live', { config, schema: { tags, summary: 'Server live' } }, async () => ({ live: true }));

  app.get('/v2/health/ready', { config, schema: { tags, summary: 'Server ready (503 while shutting down)' } }, async (_req, reply) => {
    if (!ctx.state.ready) return reply.code(503).send({ ready: false });
    return { ready: true };
  });

  const metadata = async (request: FastifyRequest<{ Params: { name: string; version?: string } }>, reply: FastifyReply) => {
    const m = served(ctx, request.params.name, request.params.version);
    reply.header('x-model-version', m.identity.version);
    return modelMetadata(m);
  };
  const metaSchema = { config, schema: { tags, summary: 'Model metadata', response: { 200: jsonSchema(V2ModelMetadata), ...errors } } };
  app.get('/v2/models/:name', metaSchema, metadata);
  app.get('/v2/models/:name/versions/:version', metaSchema, metadata);

  const ready = async (request: FastifyRequest<{ Params: { name: string; version?: string } }>, reply: FastifyReply) => {
    const m = served(ctx, request.params.name, request.params.version);
    if (!ctx.state.ready) return reply.code(503).send({ name: m.identity.name, ready: false });
    return { name: m.identity.name, ready: true };
  };
  const readySchema = { config, schema: { tags, summary: 'Model ready', response: errors } };
  app.get('/v2/models/:name/ready', readySchema, ready);
  app.get('/v2/models/:name/versions/:version/ready', readySchema, ready);

  const infer = async (request: FastifyRequest<{ Params: { name: string; version?: string } }>, reply: FastifyReply) => {
    // Checked up front, and the version again against the version the request leases (a swap may come in between).
    served(ctx, request.params.name, request.params.version);
    const { json, binary } = splitInferenceBody(rawBody(request, ctx.bodyLimit), request.headers['inference-header-content-length']);
    const parsed = V2InferenceRequest.safeParse(parseJsonBody(json, 'the inference request header'));
    if (!parsed.success) throw new InputError(`invalid inference request: ${describeIssues(parsed.error.issues)}`);
    const req = parsed.data;
    const binaries = sliceBinaryInputs(req.inputs, binary);
    const p = await ctx.service.predict(request, reply, (schema, model) => {
      if (request.params.version !== undefined && request.params.version !== model.identity.version) {
        throw new ResourceNotFoundError(`model "${model.identity.name}" version ${request.params.version} is not loaded; serving version ${model.identity.version}`);
      }
      return columnsFromTensors(req, binaries, schema, ctx.service.policy);
    }, request.params.version);
    return inferResponse(p, req, String(request.id), reply);
  };
  const inferSchema = {
    config,
    schema: {
      tags,
      summary: 'Inference',
      description:
        'JSON inference request; or, with the binary tensor data extension, the JSON header (its length in Inference-Header-Content-Length) followed by the raw tensors. ' +
        'Request binary outputs with parameters.binary_data_output or an output\'s parameters.binary_data.',
      body: {
        content: {
          'application/json': { schema: jsonSchema(V2InferenceRequest) },
          'application/octet-stream': { schema: { type: 'string', format: 'binary', description: 'JSON header ‖ tensor bytes' } },
        },
      },
      response: { 200: jsonSchema(V2InferenceResponse), ...errors },
    },
  };
  app.post('/v2/models/:name/infer', inferSchema, infer);
  app.post('/v2/models/:name/versions/:version/infer', inferSchema, infer);
}

/** The served model if `name` (and `version`, when given: the champion's or a running canary's) match it; 404 otherwise. */
function served(ctx: ServingContext, name: string, version: string | undefined): LoadedModel {
  const m = ctx.service.current;
  if (name !== m.identity.name) throw new ResourceNotFoundError(`model "${name}" is not served here (this server serves "${m.identity.name}")`);
  if (version === undefined) return m;
  const v = ctx.service.served(version);
  if (!v) throw new ResourceNotFoundError(`model "${name}" version ${version} is not loaded; serving version ${m.identity.version}`);
  return v;
}

