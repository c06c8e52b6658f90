import { z } from 'zod';
import { Feature, Task } from '../config/pipeline.js';

/**
 * The trainer's metadata.json (the model card), in full. Strict: a card with
 * a field this schema does not know means the trainer and driftloop disagree
 * about the contract, which must bump `schemaVersion`.
 */
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const Params = z.record(z.string(), z.union([Scalar, z.array(Scalar)]));

export const CardFeature = z.union([
  z.strictObject({
    name: Feature.shape.name,
    kind: z.literal('numeric'),
    range: z.strictObject({ min: z.number().nullable(), max: z.number().nullable() }),
    missing: z.number().int().min(0),
  }),
  z.strictObject({
    name: Feature.shape.name,
    kind: z.literal('categorical'),
    categories: z.array(z.string()),
    missing: z.number().int().min(0),
  }),
]);

export const ModelCard = z.strictObject({
  schemaVersion: z.literal(1),
  modelName: z.string(),
  task: Task,
  target: z.string(),
  features: z.array(CardFeature).min(1),
  classes: z.array(z.union([z.string(), z.number(), z.boolean()])).nullable(),
  estimator: z.union([
    z.strictObject({ name: z.string(), class: z.string(), params: Params }),
    z.strictObject({ code: z.string(), class: z.string(), params: Params }),
  ]),
  search: z
    .strictObject({
      evaluated: z.number().int().min(1),
      planned: z.number().int().min(1),
      budgetExhausted: z.boolean(),
      bestParams: Params,
      bestScore: z.number(),
      scoring: z.string(),
      seconds: z.number().min(0),
    })
    .nullable(),
  metrics: z.record(z.string(), z.number().nullable()),
  validation: z.strictObject({
    policy: z.enum(['random', 'time']),
    fraction: z.number(),
    rows: z.number().int().min(1),
    timeColumn: z.string().nullable(),
    validFrom: z.union([z.string(), z.number()]).optional(),
  }),
  trainingData: z.strictObject({ sha256: Sha256, rows: z.number().int().min(1), columns: z.array(z.string()) }),
  onnx: z.strictObject({
    opset: z.number().int(),
    opsetImports: z.record(z.string(), z.number().int()),
    inputs: z.array(z.strictObject({ name: z.string(), type: z.enum(['float32', 'string']) })),
    outputs: z.array(z.string()),
  }),
  libraries: z.record(z.string(), z.string()),
  fitSeconds: z.number().min(0),
  parity: z.strictObject({
    rows: z.number().int().min(1),
    maxAbsDiff: z.number().min(0),
    labelMismatches: z.number().int().min(0),
    tolerance: z.number().min(0),
  }),
  seed: z.number().int().min(0),
});
export type ModelCard = z.infer<typeof ModelCard>;
