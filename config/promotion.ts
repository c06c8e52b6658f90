import { z } from 'zod';

/**
 * The promotion section of the pipeline config: what happens after a
 * candidate passed evaluation and the serving sandbox (docs/promotion.md).
 * Pure (no Node APIs): workflow code validates its input with it.
 */

/**
 * A share of live traffic goes to the candidate for a while before it becomes
 * champion; candidate and champion are then compared over the same window
 * from the prediction log (monitoring/live-comparison.ts, docs/promotion.md).
 */
export const CanaryConfig = z.strictObject({
  share: z.number().gt(0).lt(1).default(0.1).describe('Share of requests routed to the candidate (0–1, exclusive).'),
  windowMinutes: z.number().positive().default(60).describe('How long the canary runs before it is judged.'),
  minRequests: z.number().int().min(1).default(100).describe('Fewer served requests than this on either side: the comparison is `insufficient` and the canary ends without a promotion.'),
  minLabelledRows: z.number().int().min(1).default(50).describe('Labelled rows (feedback) each side needs before the primary metric is compared; below it, only latency and confidence are.'),
  maxMetricDrop: z.number().min(0).default(0.02).describe("How much worse (absolute) than the champion's the candidate's live primary metric may be."),
  maxLatencyRatio: z.number().min(1).default(1.5).describe("The candidate's p95 latency may be at most this multiple of the champion's."),
  maxConfidenceDrop: z.number().min(0).max(1).default(0.1).describe("Classifiers: how much lower the candidate's mean top-class probability may be."),
});
export type CanaryConfig = z.infer<typeof CanaryConfig>;

/**
 * After a promotion, the new champion is watched; it is rolled back when it
 * does worse live than the champion it replaced did over the window of the
 * same length just before the promotion. Only the primary metric decides.
 */
export const WatchConfig = z.strictObject({
  windowMinutes: z.number().positive().default(60).describe('How long the new champion is watched.'),
  minLabelledRows: z.number().int().min(1).default(50).describe('Labelled rows the new champion needs in the window before it is judged (fewer: it stays).'),
  maxMetricDrop: z.number().min(0).default(0.02).describe("Roll back when the new champion's live primary metric is worse than the previous champion's by more than this (absolute)."),
});
export type WatchConfig = z.infer<typeof WatchConfig>;

export const PromotionPolicy = z.enum(['auto', 'manual']);
export type PromotionPolicy = z.infer<typeof PromotionPolicy>;

export const PromotionConfig = z.strictObject({
  policy: PromotionPolicy.default('auto').describe('`auto`: a candidate that passes every gate is promoted. `manual`: it waits for `driftloop approve|reject`.'),
  approval: z
    .strictObject({
      timeoutDays: z.number().positive().max(365).default(7).describe('A candidate not approved within this many days is rejected (a durable timer: restarts lose nothing).'),
    })
    .default({ timeoutDays: 7 })
    .describe('The wait for an answer under policy `manual`.'),
  canary: CanaryConfig.optional().describe('A share of live traffic goes to the candidate before it becomes champion. Off when absent.'),
  watch: WatchConfig.optional().describe('After a promotion, roll back when the new champion does worse live. Off when absent.'),
});
export type PromotionConfig = z.infer<typeof PromotionConfig>;

export const PROMOTION_DEFAULTS = { policy: 'auto' as const, approval: { timeoutDays: 7 } };
