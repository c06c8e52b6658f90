import { z } from 'zod';
import { EstimatorName, Feature, Task } from '../config/pipeline.js';
import { ModelName } from '../config/model-name.js';

/**
 * The training request: the contract between the retrain stage and the Python
 * trainer (trainer/driftloop_trainer validates the same shape on its side).
 */
export const TrainRequest = z.strictObject({
  schemaVersion: z.literal(1),
  modelName: ModelName,
  task: Task,
  target: z.string().min(1),
  features: z.array(Feature).min(1),
  estimator: z.strictObject({
    name: EstimatorName,
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  }),
  validation: z.strictObject({ fraction: z.number().gt(0).lt(0.9) }),
  seed: z.number().int().min(0),
});
export type TrainRequest = z.infer<typeof TrainRequest>;

/** A progress line the trainer prints on stdout. */
export const TrainerProgress = z.object({
  event: z.literal('progress'),
  stage: z.string(),
  fraction: z.number(),
  message: z.string().optional(),
});
export type TrainerProgress = z.infer<typeof TrainerProgress>;
