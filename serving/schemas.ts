import { z } from 'zod';

/**
 * The request envelopes of every protocol, as zod schemas. Handlers validate
 * with them, and the OpenAPI document (openapi.ts) is generated from the very
 * same objects with z.toJSONSchema, so the documentation cannot drift from
 * what the server accepts. The row inside an envelope depends on the served
 * model's card (and may change at a hot swap): it is marked `x-driftloop-row`
 * here, validated cell by cell by columns.ts, and replaced in the served
 * OpenAPI document by the current version's row schema (features.ts).
 */
export const Row = z
  .record(z.string(), z.unknown())
  .meta({ 'x-driftloop-row': true, description: "one input row, one field per feature (see GET /prototype for the current model's schema)" });

// ── vetiver ────────────────────────────────────────────────────────────────
export const VetiverPredictRequest = z.array(Row).describe('the rows to score, as pandas `to_json(orient="records")` writes them');

export const VetiverPredictResponse = z.object({
  predict: z.array(z.union([z.string(), z.number(), z.boolean()])).describe('predicted class (classifiers) or value (regressors), one per row'),
  probabilities: z.array(z.record(z.string(), z.number())).optional().describe('classifiers: probability of each class, one object per row'),
  model_version: z.string().describe('the version that produced these predictions (also in X-Model-Version)'),
});

// ── Open Inference Protocol (KServe V2) ────────────────────────────────────
export const V2Datatype = z.enum(['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES']);
const V2Parameters = z.record(z.string(), z.unknown());

export const V2RequestInput = z.object({
  name: z.string().describe('a feature name'),
  shape: z.array(z.number().int().min(0)).describe('[N, 1] or [N]'),
  datatype: V2Datatype.describe('FP32, FP64 or an integer type for numeric features; BYTES for categorical ones'),
  parameters: V2Parameters.optional().describe('binary_data_size: the tensor is in the binary part of the body'),
  data: z.unknown().optional().describe('row-major values, flat or nested; null = missing'),
});

export const V2RequestOutput = z.object({
  name: z.string().describe('label and probabilities (classifiers) or variable (regressors)'),
  parameters: V2Parameters.optional().describe('binary_data: return this output as binary data'),
});

export const V2InferenceRequest = z.object({
  id: z.string().optional(),
  parameters: V2Parameters.optional().describe('binary_data_output: return every output as binary data'),
  inputs: z.array(V2RequestInput).min(1),
  outputs: z.array(V2RequestOutput).optional(),
});
export type V2InferenceRequest = z.infer<typeof V2InferenceRequest>;

export const V2ResponseOutput = z.object({
  name: z.string(),
  shape: z.array(z.number().int()),
  datatype: V2Datatype,
  parameters: V2Parameters.optional(),
  data: z.array(z.union([z.number(), z.string()])).optional(),
});

export const V2InferenceResponse = z.object({
  model_name: z.string(),
  model_version: z.string(),
  id: z.string(),
  parameters: V2Parameters.optional(),
  outputs: z.array(V2ResponseOutput),
});

const V2MetadataTensor = z.object({ name: z.string(), datatype: V2Datatype, shape: z.array(z.number().int()) });
export const V2ModelMetadata = z.object({
  name: z.string(),
  versions: z.array(z.string()),
  platform: z.string(),
  inputs: z.array(V2MetadataTensor),
  outputs: z.array(V2MetadataTensor),
});
export const V2ServerMetadata = z.object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) });
export const V2Error = z.object({ error: z.string() });

// ── MLflow scoring protocol ────────────────────────────────────────────────
const ColumnMap = z.record(z.string(), z.array(z.unknown())).describe('{feature: [one value per row]}');

export const MlflowRequest = z
  .object({
    dataframe_split: z
      .object({ columns: z.array(z.string()), data: z.array(z.array(z.unknown())), index: z.array(z.unknown()).optional() })
      .optional()
      .describe('pandas to_json(orient="split")'),
    dataframe_records: z.array(Row).optional().describe('pandas to_json(orient="records")'),
    instances: z.union([z.array(Row), ColumnMap]).optional().describe('TF-serving style rows, or columns'),
    inputs: z.union([z.array(Row), ColumnMap]).optional().describe('TF-serving style rows, or columns'),
    params: z.record(z.string(), z.unknown()).optional().describe('accepted and ignored (the model takes no parameters)'),
  })
  .refine((b) => ['dataframe_split', 'dataframe_records', 'instances', 'inputs'].filter((k) => k in b).length === 1, {
    message: 'the body must have exactly one of dataframe_split, dataframe_records, instances, inputs',
  });
export type MlflowRequest = z.infer<typeof MlflowRequest>;

export const MlflowResponse = z.object({
  predictions: z.array(z.union([z.string(), z.number(), z.boolean()])),
  model_version: z.string(),
});
export const MlflowError = z.object({ error_code: z.string(), message: z.string() });

// ── feedback ───────────────────────────────────────────────────────────────
const Label = z.union([z.string(), z.number(), z.boolean()]);
export const FeedbackRequest = z.object({
  requestId: z.string().min(1).max(128).describe('the X-Request-Id of the prediction response'),
  label: z.union([Label, z.array(Label)]).describe('the true label: one value (for the row given by `row`, or a one-row request), or one per row'),
  row: z.number().int().min(0).optional().describe('0-based row of the request the label is for'),
});
export type FeedbackRequest = z.infer<typeof FeedbackRequest>;

export const ErrorBody = z.object({ error: z.string(), field: z.string().optional(), row: z.number().int().optional() });

/** JSON Schema (2020-12, as OpenAPI 3.1 takes it) of a zod schema, for Fastify route schemas. */
export function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}
