import { z } from 'zod';
import { ModelName } from './model-name.js';

/**
 * The pipeline config: one per model. This module is pure (no Node APIs) so
 * that workflow code can validate its input with the same schema the CLI uses.
 */

export const FeatureKind = z.enum(['numeric', 'categorical']);
export type FeatureKind = z.infer<typeof FeatureKind>;

export const Feature = z.strictObject({
  name: z.string().min(1).max(200),
  kind: FeatureKind,
});
export type Feature = z.infer<typeof Feature>;

export const Task = z.enum(['binary', 'multiclass', 'regression']);
export type Task = z.infer<typeof Task>;

/** Metrics the loop can decide on; `direction` says which way is better. */
export const MetricName = z.enum(['accuracy', 'f1', 'rmse', 'mae', 'r2']);
export type MetricName = z.infer<typeof MetricName>;

export const EstimatorName = z.enum([
  'logistic_regression',
  'random_forest',
  'gradient_boosting',
  'hist_gradient_boosting',
  'linear_regression',
  'ridge',
]);
export type EstimatorName = z.infer<typeof EstimatorName>;

const JsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const PipelineConfig = z
  .strictObject({
    model: ModelName,
    task: Task,
    target: z.string().min(1),
    features: z.array(Feature).min(1),
    data: z.strictObject({
      /** Training data for the first version (used when the model has no champion yet). */
      reference: z.string().min(1),
      /** The newest labelled window: what the champion is monitored on and retrained from. */
      current: z.string().min(1),
    }),
    monitor: z
      .strictObject({
        metric: MetricName.optional(),
        /** Retrain when the champion's metric on the current window is worse than this. */
        threshold: z.number().finite().optional(),
      })
      .default({}),
    drift: z
      .strictObject({
        /** A numeric feature drifts when its KS p-value is below this. */
        pValue: z.number().gt(0).lt(1).default(0.05),
        /** Below this many rows in either window the check reports insufficient data. */
        minRows: z.number().int().min(2).default(30),
      })
      .default({ pValue: 0.05, minRows: 30 }),
    trainer: z
      .strictObject({
        estimator: EstimatorName.optional(),
        params: z.record(z.string(), JsonScalar).default({}),
        seed: z.number().int().min(0).max(2 ** 32 - 1).default(42),
        validationFraction: z.number().gt(0).lt(0.9).default(0.2),
        /** Longest a single training run may take. */
        timeoutMinutes: z.number().positive().default(60),
      })
      .default({ params: {}, seed: 42, validationFraction: 0.2, timeoutMinutes: 60 }),
    evaluation: z
      .strictObject({
        /** Share of the current window held out from training to compare candidate and champion. */
        holdoutFraction: z.number().gt(0).lt(0.9).default(0.3),
        /** The candidate must beat the champion's primary metric by at least this much. */
        margin: z.number().min(0).default(0.01),
      })
      .default({ holdoutFraction: 0.3, margin: 0.01 }),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.features.forEach((f, i) => {
      if (seen.has(f.name)) {
        ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: `duplicate feature "${f.name}"` });
      }
      seen.add(f.name);
      if (f.name === cfg.target) {
        ctx.addIssue({ code: 'custom', path: ['features', i, 'name'], message: `feature "${f.name}" is also the target` });
      }
    });
    const metric = cfg.monitor.metric;
    if (metric && METRIC_TASKS[metric] !== (cfg.task === 'regression' ? 'regression' : 'classification')) {
      ctx.addIssue({
        code: 'custom',
        path: ['monitor', 'metric'],
        message: `metric "${metric}" does not apply to a ${cfg.task} task`,
      });
    }
    const est = cfg.trainer.estimator;
    if (est && !ESTIMATOR_TASKS[est].includes(cfg.task === 'regression' ? 'regression' : 'classification')) {
      ctx.addIssue({
        code: 'custom',
        path: ['trainer', 'estimator'],
        message: `estimator "${est}" does not apply to a ${cfg.task} task`,
      });
    }
  });
export type PipelineConfig = z.infer<typeof PipelineConfig>;
export type PipelineConfigInput = z.input<typeof PipelineConfig>;

type TaskFamily = 'classification' | 'regression';
const METRIC_TASKS: Record<MetricName, TaskFamily> = {
  accuracy: 'classification',
  f1: 'classification',
  rmse: 'regression',
  mae: 'regression',
  r2: 'regression',
};
const ESTIMATOR_TASKS: Record<EstimatorName, TaskFamily[]> = {
  logistic_regression: ['classification'],
  random_forest: ['classification', 'regression'],
  gradient_boosting: ['classification', 'regression'],
  hist_gradient_boosting: ['classification', 'regression'],
  linear_regression: ['regression'],
  ridge: ['regression'],
};

export const METRIC_DIRECTION: Record<MetricName, 'higher' | 'lower'> = {
  accuracy: 'higher',
  f1: 'higher',
  r2: 'higher',
  rmse: 'lower',
  mae: 'lower',
};

/** The metric the loop decides on, when the config does not name one. */
export function primaryMetric(cfg: Pick<PipelineConfig, 'task' | 'monitor'>): MetricName {
  return cfg.monitor.metric ?? (cfg.task === 'regression' ? 'rmse' : 'accuracy');
}

export function defaultEstimator(cfg: Pick<PipelineConfig, 'task' | 'trainer'>): EstimatorName {
  return cfg.trainer.estimator ?? (cfg.task === 'regression' ? 'ridge' : 'logistic_regression');
}

/** `a` is better than `b` by at least `margin` on `metric`. */
export function beats(metric: MetricName, a: number, b: number, margin: number): boolean {
  return METRIC_DIRECTION[metric] === 'higher' ? a >= b + margin : a <= b - margin;
}

/** `value` is worse than `threshold` on `metric`. */
export function worseThan(metric: MetricName, value: number, threshold: number): boolean {
  return METRIC_DIRECTION[metric] === 'higher' ? value < threshold : value > threshold;
}
