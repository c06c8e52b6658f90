import { z } from 'zod';
import { CLASSIFICATION_METRICS } from '../metrics/classification-metrics.js';
import { REGRESSION_METRICS } from '../metrics/regression-metrics.js';

/**
 * The evaluation section of the pipeline config: how a candidate is compared
 * with the champion and which gates it must pass to be promoted
 * (docs/evaluation.md). Pure (no Node APIs): workflow code validates with it.
 */

/** Every metric a gate can name: the classification and the regression metrics of metrics/. */
export const GATE_METRICS: readonly string[] = [...CLASSIFICATION_METRICS, ...REGRESSION_METRICS];
const CLASSIFICATION = new Set<string>(CLASSIFICATION_METRICS);
const REGRESSION = new Set<string>(REGRESSION_METRICS);

export const BootstrapConfig = z.strictObject({
  iterations: z.number().int().min(100).max(100_000).default(1000).describe('Resamples of the holdout rows; fewer than 100 gives a meaningless percentile interval.'),
  confidence: z.number().gt(0.5).lt(1).default(0.95).describe('Two-sided confidence of the interval.'),
  seed: z.number().int().default(42).describe("Seed of the resampling PRNG, so that a pass's decision can be reproduced."),
});
export type BootstrapConfig = z.infer<typeof BootstrapConfig>;

const PerMetric = (value: z.ZodNumber) => z.record(z.string(), value).default({});

export const EvaluationConfig = z
  .strictObject({
    holdoutFraction: z.number().gt(0).lt(0.9).default(0.3).describe('Share of the current window held out from training to compare candidate and champion.'),
    margin: z.number().min(0).default(0.01).describe("The candidate must beat the champion's primary metric by at least this much."),
    minHoldoutRows: z.number().int().min(1).default(100).describe('Fewer holdout rows than this and the comparison is too noisy to promote on.'),
    floors: PerMetric(z.number().finite()).describe('Absolute floors (ceilings for lower-is-better metrics such as rmse) the candidate must meet, per metric.'),
    maxRegression: PerMetric(z.number().finite().min(0)).describe('Per secondary metric, how much worse than the champion (absolute) the candidate may be.'),
    bootstrap: BootstrapConfig.optional().describe("A paired bootstrap CI of the primary metric's difference; promote only if its lower bound clears the margin. Off when absent."),
  })
  .superRefine((cfg, ctx) => {
    for (const field of ['floors', 'maxRegression'] as const) {
      for (const name of Object.keys(cfg[field])) {
        if (!GATE_METRICS.includes(name)) {
          ctx.addIssue({ code: 'custom', path: [field, name], message: `unknown metric "${name}"; one of ${GATE_METRICS.join(', ')}` });
        }
      }
    }
  });
export type EvaluationConfig = z.infer<typeof EvaluationConfig>;

/** The defaults, as a config that names no evaluation section gets them. */
export const EVALUATION_DEFAULTS = { holdoutFraction: 0.3, margin: 0.01, minHoldoutRows: 100, floors: {}, maxRegression: {} };

/** Issues for gate metrics that do not apply to the task (rocAuc for a regressor, rmse for a classifier). */
export function evaluationTaskIssues(task: 'binary' | 'multiclass' | 'regression', cfg: EvaluationConfig): { path: (string | number)[]; message: string }[] {
  const fits = task === 'regression' ? REGRESSION : CLASSIFICATION;
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const field of ['floors', 'maxRegression'] as const) {
    for (const name of Object.keys(cfg[field])) {
      if (GATE_METRICS.includes(name) && !fits.has(name)) {
        issues.push({ path: ['evaluation', field, name], message: `metric "${name}" does not apply to a ${task} task` });
      }
    }
  }
  return issues;
}
