import { z } from 'zod';
import { EstimatorName, Feature, Task } from '../config/pipeline.js';
import { ModelName } from '../config/model-name.js';

/**
 * The training request: the one contract between the retrain stage and the
 * Python trainer, whatever runs it (local process, Temporal Python worker,
 * Kubernetes Job). Its JSON Schema (trainer/driftloop_trainer/train_request.schema.json)
 * is generated from this zod schema and the trainer validates every request
 * against it; test/training/request-schema.test.ts fails when the two disagree.
 */

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** Hyperparameters as passed to the estimator: JSON scalars, or lists of them (e.g. hidden_layer_sizes). */
export const EstimatorParams = z.record(z.string().min(1), z.union([Scalar, z.array(Scalar)]));

export const BuiltinEstimator = z.strictObject({
  name: EstimatorName,
  params: EstimatorParams,
});

/**
 * User code: `package.module:function`, importable from the trainer's user-code
 * directory; called with `params` as keyword arguments, it returns an unfitted
 * scikit-learn estimator (or a Pipeline ending in one).
 */
export const UserEstimator = z.strictObject({
  code: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$/, 'must be "module.path:function"'),
  params: EstimatorParams,
});

export const EstimatorSpec = z.union([BuiltinEstimator, UserEstimator]);
export type EstimatorSpec = z.infer<typeof EstimatorSpec>;

/** One searched hyperparameter: candidate values, or a distribution to sample. */
export const SearchDimension = z.union([
  z.array(Scalar).min(1),
  z.strictObject({
    distribution: z.enum(['uniform', 'loguniform', 'randint']),
    low: z.number(),
    high: z.number(),
  }),
]);

/** Randomized search with k-fold cross-validation on the training split, stopped by a time budget. */
export const SearchSpec = z.strictObject({
  space: z.record(z.string().min(1), SearchDimension),
  iterations: z.number().int().min(1).max(1000),
  folds: z.number().int().min(2).max(20),
  timeBudgetSeconds: z.number().positive(),
});
export type SearchSpec = z.infer<typeof SearchSpec>;

export const ValidationSpec = z.strictObject({
  /** `random`: stratified for classification; `time`: the latest rows by `timeColumn` are held out. */
  policy: z.enum(['random', 'time']),
  fraction: z.number().gt(0).lt(0.9),
});

export const TrainRequest = z.strictObject({
  schemaVersion: z.literal(1),
  modelName: ModelName,
  task: Task,
  target: z.string().min(1),
  features: z.array(Feature).min(1),
  /** Orders rows for a time-based validation split; never used as a feature. */
  timeColumn: z.string().min(1).nullable(),
  estimator: EstimatorSpec,
  search: SearchSpec.nullable(),
  validation: ValidationSpec,
  seed: z.number().int().min(0).max(2 ** 32 - 1),
});
export type TrainRequest = z.infer<typeof TrainRequest>;

/** The committed JSON Schema's content, as generated from TrainRequest. */
export function trainRequestJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(TrainRequest, { target: 'draft-2020-12', io: 'output' }),
    $id: 'https://driftloop.dev/schemas/train-request.schema.json',
    title: 'driftloop training request',
    description: 'Generated from training/request.ts by `npm run schemas`; do not edit by hand.',
  };
}

/** A progress line the trainer prints on stdout. */
export const TrainerProgress = z.object({
  event: z.literal('progress'),
  stage: z.string(),
  fraction: z.number(),
  message: z.string().optional(),
});
export type TrainerProgress = z.infer<typeof TrainerProgress>;
