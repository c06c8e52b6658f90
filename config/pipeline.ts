import { z } from 'zod';
import { DRIFT_DEFAULTS, DriftConfig, NUMERIC_ONLY_METHODS } from './drift.js';
import { EVALUATION_DEFAULTS, EvaluationConfig, evaluationTaskIssues } from './evaluation.js';
import { GithubSettings } from './github.js';
import { ModelName } from './model-name.js';
import { PROMOTION_DEFAULTS, PromotionConfig } from './promotion.js';
import { SANDBOX_DEFAULTS, SandboxConfig } from './sandbox.js';

/**
 * The pipeline config: one per model. This module is pure (no Node APIs) so
 * that workflow code can validate its input with the same schema the CLI uses.
 */

export const FeatureKind = z.enum(['numeric', 'categorical']);
export type FeatureKind = z.infer<typeof FeatureKind>;

export const Feature = z.strictObject({
  name: z.string().min(1).max(200).describe('Column name in the data files and in serving requests.'),
  kind: FeatureKind.describe('How the trainer encodes it and which drift methods apply.'),
});
export type Feature = z.infer<typeof Feature>;

export const Task = z.enum(['binary', 'multiclass', 'regression']);
export type Task = z.infer<typeof Task>;

/** Metrics the loop can decide on; `direction` says which way is better. */
export const MetricName = z.enum(['accuracy', 'f1', 'rmse', 'mae', 'r2']);
export type MetricName = z.infer<typeof MetricName>;

/** Rules that turn live metrics into a "degraded" verdict. */
export const DegradationRules = z.strictObject({
  floor: z.number().finite().optional().describe('Degraded when the live primary metric is worse than this absolute value.'),
  maxRelativeDrop: z.number().gt(0).lt(1).optional().describe("Degraded when the live metric is worse than the version's validation metric by more than this share (0.05 = 5 %)."),
  minLabelledRows: z.number().int().min(1).default(100).describe('No rule fires on fewer labelled rows than this.'),
  windowHours: z.number().positive().default(24).describe('Length of one metrics window, in hours.'),
});
export type DegradationRules = z.infer<typeof DegradationRules>;

/** The current window of the monitor and drift stages. */
export const WindowSource = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('file'), path: z.string().min(1).describe('CSV or Parquet file read as the current window.') }),
  /** The newest `hours` of the prediction log (features as served; labels where feedback arrived). */
  z.strictObject({ kind: z.literal('prediction-log'), hours: z.number().positive().default(24 * 7).describe('The newest this many hours of the prediction log.') }),
  /**
   * A PostgreSQL query returning one row per example with the feature (and
   * target) columns. The connection URL comes from the environment variable
   * named by `urlEnv`, never from the file.
   */
  z.strictObject({
    kind: z.literal('postgres'),
    query: z.string().min(1).describe('SQL returning one row per example with the feature (and target) columns.'),
    urlEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/).default('DRIFTLOOP_DATABASE_URL').describe('Environment variable holding the PostgreSQL URL (never the URL itself).'),
  }),
]);
export type WindowSource = z.infer<typeof WindowSource>;

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
const Params = z.record(z.string().min(1), z.union([JsonScalar, z.array(JsonScalar)]));

const SearchDimension = z.union([
  z.array(JsonScalar).min(1),
  z.strictObject({ distribution: z.enum(['uniform', 'loguniform', 'randint']), low: z.number(), high: z.number() }),
]);

/** Where the retrain stage runs the trainer. */
export const RunnerName = z.enum(['local', 'temporal', 'kubernetes']);
export type RunnerName = z.infer<typeof RunnerName>;

export const KubernetesRunnerConfig = z.strictObject({
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).max(63).default('default').describe('Kubernetes namespace the training Jobs run in.'),
  image: z.string().min(1).describe('The trainer image (trainer/Dockerfile), pinned by tag or digest.'),
  serviceAccount: z.string().min(1).optional().describe("ServiceAccount of the Job's pod (default: the namespace's default)."),
  volumeClaim: z.string().min(1).describe('A PersistentVolumeClaim shared with the workers, mounted where DRIFTLOOP_HOME points.'),
  mountPath: z.string().startsWith('/').default('/var/lib/driftloop').describe("Mount path of the shared volume inside the Job's container (= the workers' DRIFTLOOP_HOME)."),
  resources: z
    .strictObject({
      cpu: z.string().default('1').describe('CPU request and limit (Kubernetes quantity).'),
      memory: z.string().default('2Gi').describe('Memory request and limit (Kubernetes quantity).'),
    })
    .default({ cpu: '1', memory: '2Gi' })
    .describe("Resources of the Job's container."),
  ttlSecondsAfterFinished: z.number().int().min(0).default(3600).describe('Seconds a finished Job is kept before Kubernetes deletes it (driftloop deletes it sooner).'),
});
export type KubernetesRunnerConfig = z.infer<typeof KubernetesRunnerConfig>;

export const TrainerConfig = z
  .strictObject({
    estimator: EstimatorName.optional().describe('A built-in estimator (default: logistic_regression, or ridge for regression); or give `code`, not both.'),
    /** …or user code: "module.path:function" returning an unfitted estimator (see trainer/README.md). */
    code: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$/, 'must be "module.path:function"')
      .optional()
      .describe('User code instead of `estimator`: "module.path:function" returning an unfitted scikit-learn estimator, loaded from DRIFTLOOP_USER_CODE (trainer/README.md).'),
    params: Params.default({}).describe("The estimator's hyperparameters (scalars or lists of scalars)."),
    /** Randomized hyperparameter search with cross-validation, bounded by a time budget. */
    search: z
      .strictObject({
        space: z.record(z.string().min(1), SearchDimension).describe('Per hyperparameter: a list of values, or {distribution: uniform|loguniform|randint, low, high}.'),
        iterations: z.number().int().min(1).max(1000).default(10).describe('Candidates sampled from the space.'),
        folds: z.number().int().min(2).max(20).default(3).describe('Cross-validation folds per candidate.'),
        timeBudgetSeconds: z.number().positive().default(300).describe('The search stops sampling after this long and keeps the best so far.'),
      })
      .optional()
      .describe('Randomized hyperparameter search with cross-validation, bounded by a time budget. Off when absent.'),
    seed: z.number().int().min(0).max(2 ** 32 - 1).default(42).describe('Random seed of the split and the estimator: the same data and seed give the same model.'),
    validation: z
      .strictObject({
        policy: z.enum(['random', 'time']).default('random').describe('`random` rows, or the latest rows by `timeColumn` (`time`).'),
        fraction: z.number().gt(0).lt(0.9).default(0.2).describe('Share of the training rows held out for the validation metrics of the model card.'),
      })
      .default({ policy: 'random', fraction: 0.2 })
      .describe("The trainer's validation split."),
    timeColumn: z.string().min(1).optional().describe('Orders rows for `validation.policy: time`; never used as a feature.'),
    runner: RunnerName.default('local').describe('Where training runs: `local` child process, `temporal` trainer workers on `taskQueue`, or a `kubernetes` Job.'),
    taskQueue: z.string().min(1).default('driftloop-trainer').describe('Task queue of the Python trainer workers (runner `temporal`).'),
    kubernetes: KubernetesRunnerConfig.optional().describe('The Job of runner `kubernetes` (required for it).'),
    timeoutMinutes: z.number().positive().default(60).describe('Longest a single training attempt may take.'),
    heartbeatSeconds: z.number().positive().default(60).describe('A trainer silent for this long is presumed dead and its attempt retried.'),
    retry: z
      .strictObject({
        maximumAttempts: z.number().int().min(1).default(3).describe('Attempts in all, the first included.'),
        initialIntervalSeconds: z.number().positive().default(5).describe('Wait before the first retry.'),
        backoffCoefficient: z.number().min(1).default(2).describe('Each wait is this many times the previous one.'),
        maximumIntervalSeconds: z.number().positive().default(300).describe('Longest wait between attempts.'),
      })
      .default({ maximumAttempts: 3, initialIntervalSeconds: 5, backoffCoefficient: 2, maximumIntervalSeconds: 300 })
      .describe('Retry policy of a failed training attempt (data and request errors are not retried).'),
  })
  .superRefine((t, ctx) => {
    if (t.estimator && t.code) {
      ctx.addIssue({ code: 'custom', path: ['code'], message: 'give either "estimator" or "code", not both' });
    }
    if (t.validation.policy === 'time' && !t.timeColumn) {
      ctx.addIssue({ code: 'custom', path: ['validation', 'policy'], message: '"time" needs trainer.timeColumn' });
    }
    if (t.runner === 'kubernetes' && !t.kubernetes) {
      ctx.addIssue({ code: 'custom', path: ['kubernetes'], message: 'runner "kubernetes" needs a trainer.kubernetes section' });
    }
  })
  .default(() => trainerDefaults())
  .describe('How candidates are trained (the retrain stage).');

export const PipelineConfig = z
  .strictObject({
    model: ModelName.describe('Model name: registry key, workflow id `retrain-<model>`, file names (a-z, 0-9, ".", "_", "-").'),
    task: Task.describe('What the model predicts: binary or multiclass classification, or regression.'),
    target: z.string().min(1).describe('The label column in the data files.'),
    features: z.array(Feature).min(1).describe('The model inputs, in order: the columns read from the data and expected in serving requests.'),
    data: z.strictObject({
      reference: z.string().min(1).describe('Training data for the first version (used when the model has no champion yet).'),
      current: z.string().min(1).describe('The newest labelled window: what the champion is monitored on and retrained from.'),
    }).describe('The data files (CSV or Parquet), relative to the config file.'),
    monitor: z
      .strictObject({
        metric: MetricName.optional().describe('The primary metric the loop decides on (default: accuracy, or rmse for regression).'),
        threshold: z.number().finite().optional().describe("Absolute floor: retrain when the champion's metric on the current window is worse than this."),
        degradation: DegradationRules.optional().describe('Live performance rules, judged on the prediction log joined with feedback labels (see docs/monitoring.md).'),
        window: WindowSource.optional().describe('Where monitor and drift read the current window. Default: the `data.current` file.'),
      })
      .default({})
      .describe('The monitor stage: when the champion counts as degraded.'),
    drift: DriftConfig.default(DRIFT_DEFAULTS).describe('The drift stage: per-column tests of the current window against the reference (docs/drift.md).'),
    trainer: TrainerConfig,
    evaluation: EvaluationConfig.default(EVALUATION_DEFAULTS).describe('The evaluate stage: the gates a candidate must pass against the champion (docs/evaluation.md).'),
    github: GithubSettings.optional().describe('GitHub triggers and reporting (docs/github.md). Off when absent.'),
    promotion: PromotionConfig.default(PROMOTION_DEFAULTS).describe('What happens after a candidate passed evaluation and the sandbox (docs/promotion.md).'),
    sandbox: SandboxConfig.default(SANDBOX_DEFAULTS).describe('The serving sandbox before promotion (docs/sandbox.md).'),
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
    const featureNames = new Set(cfg.features.map((f) => f.name));
    const kinds = new Map(cfg.features.map((f) => [f.name, f.kind]));
    for (const [name, rule] of Object.entries(cfg.drift.features)) {
      if (!featureNames.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['drift', 'features', name], message: `"${name}" is not a feature of this pipeline` });
      } else if (rule.method && NUMERIC_ONLY_METHODS.has(rule.method) && kinds.get(name) !== 'numeric') {
        ctx.addIssue({ code: 'custom', path: ['drift', 'features', name, 'method'], message: `method "${rule.method}" needs a numeric feature; "${name}" is categorical` });
      }
    }
    const metric = cfg.monitor.metric;
    if (metric && METRIC_TASKS[metric] !== (cfg.task === 'regression' ? 'regression' : 'classification')) {
      ctx.addIssue({
        code: 'custom',
        path: ['monitor', 'metric'],
        message: `metric "${metric}" does not apply to a ${cfg.task} task`,
      });
    }
    if (cfg.trainer.timeColumn && cfg.features.some((f) => f.name === cfg.trainer.timeColumn)) {
      ctx.addIssue({ code: 'custom', path: ['trainer', 'timeColumn'], message: `"${cfg.trainer.timeColumn}" is a feature; the time column orders rows and cannot be one` });
    }
    for (const issue of evaluationTaskIssues(cfg.task, cfg.evaluation)) ctx.addIssue({ code: 'custom', ...issue });
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
export type TrainerConfig = PipelineConfig['trainer'];
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

function trainerDefaults() {
  return {
    params: {},
    seed: 42,
    validation: { policy: 'random' as const, fraction: 0.2 },
    runner: 'local' as const,
    taskQueue: 'driftloop-trainer',
    timeoutMinutes: 60,
    heartbeatSeconds: 60,
    retry: { maximumAttempts: 3, initialIntervalSeconds: 5, backoffCoefficient: 2, maximumIntervalSeconds: 300 },
  };
}

/** `a` is better than `b` by at least `margin` on `metric`. */
export function beats(metric: MetricName, a: number, b: number, margin: number): boolean {
  return METRIC_DIRECTION[metric] === 'higher' ? a >= b + margin : a <= b - margin;
}

/** `value` is worse than `threshold` on `metric`. */
export function worseThan(metric: MetricName, value: number, threshold: number): boolean {
  return METRIC_DIRECTION[metric] === 'higher' ? value < threshold : value > threshold;
}
