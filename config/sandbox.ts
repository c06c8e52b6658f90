import { z } from 'zod';

/**
 * The serving sandbox (infra validation, docs/sandbox.md): before promotion
 * the candidate is loaded by a real `driftloop serve` process on a spare port
 * and sent canary requests; its answers must match in-process inference and
 * its latency must fit the budget. Pure (no Node APIs): workflow code
 * validates its input with it.
 */
export const SandboxConfig = z.strictObject({
  /** false: the pass goes from evaluate straight to promotion. */
  enabled: z.boolean().default(true),
  /** Canary requests sent (one row each: the prototype's rows, then holdout rows, round-robin over the protocols). */
  requests: z.number().int().min(1).max(100_000).default(200),
  /** Requests in flight at once. */
  concurrency: z.number().int().min(1).max(256).default(4),
  /** The candidate is rejected when its p95 per-request latency (client-side, over HTTP) exceeds this. */
  latencyBudgetMs: z.number().positive().default(100),
  /** Largest absolute difference allowed between a served probability/value and the same model run in-process. */
  tolerance: z.number().min(0).max(1).default(1e-5),
  /** The serving process must answer its readiness probe within this many seconds, or the candidate failed to load. */
  startTimeoutSeconds: z.number().positive().max(3600).default(60),
});
export type SandboxConfig = z.infer<typeof SandboxConfig>;

export const SANDBOX_DEFAULTS: SandboxConfig = SandboxConfig.parse({});
