import { z } from 'zod';

/**
 * The drift check's part of the pipeline config. Pure (no Node APIs): the
 * workflow validates its input with it.
 *
 * Defaults follow Evidently's data-drift preset so a team switching from it
 * gets the same verdicts (docs/drift.md explains the choice per method).
 */

/**
 * Per-column drift methods. p-value methods (ks, chisquare, ztest) drift when
 * the p-value is below the threshold (ks: at or below, as Evidently does);
 * distance methods (wasserstein, jensenshannon, psi) drift when the distance
 * is at or above it.
 */
export const DriftMethod = z.enum(['ks', 'chisquare', 'ztest', 'wasserstein', 'jensenshannon', 'psi']);
export type DriftMethod = z.infer<typeof DriftMethod>;

export const P_VALUE_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'chisquare', 'ztest']);
/** Methods that need an order on the values: numeric columns only. */
export const NUMERIC_ONLY_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'wasserstein']);

/** Evidently's default thresholds: 0.05 for p-values, 0.1 for distances. */
export function defaultThreshold(method: DriftMethod): number {
  return P_VALUE_METHODS.has(method) ? 0.05 : 0.1;
}

export const FeatureDriftRule = z.strictObject({
  method: DriftMethod.optional().describe("This column's method (default: the section's `method`, else Evidently's choice)."),
  threshold: z.number().positive().finite().optional().describe("This column's threshold (default: the section's `threshold`, else the method's)."),
  mustWatch: z.boolean().default(false).describe('A drifted must-watch feature makes the whole data set drifted on its own.'),
});
export type FeatureDriftRule = z.infer<typeof FeatureDriftRule>;

export const PsiBinning = z.strictObject({
  strategy: z.enum(['evidently', 'quantile']).default('evidently').describe('`evidently`: Sturges bins over the pooled range (what Evidently does); `quantile`: `bins` quantile bins of the reference (the textbook PSI).'),
  bins: z.number().int().min(2).max(1000).default(10).describe('Number of bins of strategy `quantile`.'),
});
export type PsiBinning = z.infer<typeof PsiBinning>;

export const DriftConfig = z.strictObject({
  pValue: z.number().gt(0).lt(1).optional().describe('Deprecated (kept so recorded runs replay): the threshold of p-value methods. Prefer `threshold`/`features`.'),
  minRows: z.number().int().min(1).default(30).describe('Below this many non-missing rows in either window a column reports insufficient data.'),
  share: z.number().gt(0).max(1).default(0.5).describe('The data set drifts when at least this share of the tested columns drifts.'),
  method: DriftMethod.optional().describe('One method for every column (instead of the Evidently-style default choice).'),
  threshold: z.number().positive().finite().optional().describe("One threshold for every column (instead of the method's default)."),
  features: z.record(z.string().min(1), FeatureDriftRule).default({}).describe('Per-feature overrides, keyed by feature name.'),
  psi: PsiBinning.default({ strategy: 'evidently', bins: 10 }).describe('Binning of the psi method.'),
  missingShareIncrease: z.number().gt(0).max(1).default(0.1).describe('A column whose missing share grows by at least this much (absolute, e.g. 0.1 = ten points) is flagged `missingJump`; it counts as drifted only when `missingCountsAsDrift` is set.'),
  missingCountsAsDrift: z.boolean().default(false).describe('A `missingJump` column counts as drifted.'),
});
export type DriftConfig = z.infer<typeof DriftConfig>;
export type DriftConfigInput = z.input<typeof DriftConfig>;

export const DRIFT_DEFAULTS: DriftConfig = DriftConfig.parse({});
