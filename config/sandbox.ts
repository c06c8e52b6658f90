import { z } from 'zod';

/**
 * The serving sandbox (infra validation, docs/sandbox.md): before promotion
 * the candidate is loaded by a real `driftloop serve` process on a spare port
 * and sent canary requests; its answers must match in-process inference and
 * its latency must fit the budget. Pure (no Node APIs): workflow code
 * validates its input with it.
 */
export const SandboxConfig = z.strictObject({
  enabled: z.boolean().default(true).describe('false: the pass goes from evaluate straight to promotion.'),
  requests: z.number().int().min(1).max(100_000).default(200).describe("Canary requests sent (one row each: the prototype's rows, then holdout rows, round-robin over the protocols)."),
  concurrency: z.number().int().min(1).max(256).default(4).describe('Requests in flight at once.'),
  latencyBudgetMs: z.number().positive().default(100).describe('The candidate is rejected when its p95 per-request latency (client-side, over HTTP) exceeds this.'),
  tolerance: z.number().min(0).max(1).default(1e-5).describe('Largest absolute difference allowed between a served probability/value and the same model run in-process.'),
  startTimeoutSeconds: z.number().positive().max(3600).default(60).describe('The serving process must answer its readiness probe within this many seconds, or the candidate failed to load.'),
});
export type SandboxConfig = z.infer<typeof SandboxConfig>;

export const SANDBOX_DEFAULTS: SandboxConfig = SandboxConfig.parse({});
