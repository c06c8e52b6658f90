import { z } from 'zod';
import { Feature, Task } from '../config/pipeline.js';

/**
 * The trainer's metadata.json (the model card). Only the fields driftloop reads
 * are declared; the rest of the card is kept as-is (`loose`), because the card is
 * stored with the version and shown to people verbatim.
 */
export const ModelCard = z.looseObject({
  schemaVersion: z.literal(1),
  modelName: z.string(),
  task: Task,
  target: z.string(),
  features: z.array(z.looseObject({ name: Feature.shape.name, kind: Feature.shape.kind })).min(1),
  classes: z.array(z.union([z.string(), z.number(), z.boolean()])).nullable(),
  metrics: z.record(z.string(), z.number().nullable()),
  trainingData: z.looseObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), rows: z.number().int() }),
  onnx: z.looseObject({ opset: z.number().int(), outputs: z.array(z.string()) }),
});
export type ModelCard = z.infer<typeof ModelCard>;
