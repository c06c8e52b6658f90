export interface KubernetesRunnerTiming {
  /** How often the Job (and, until its log is followed, its pod) is read. */
  pollIntervalMs: number;
  /** Longest a single API request may take before it counts as failed. */
  requestTimeoutMs: number;
  /** How long API requests may keep failing (network, 5xx, 429) before the run gives up. */
  apiFailureBudgetMs: number;
  /** How long the trainer image may fail to pull (ErrImagePull, ImagePullBackOff) before the run fails. */
  imagePullGraceMs: number;
  /** A followed log silent this long while the trainer runs is reconnected (the trainer prints a line every few seconds). */
  logStallMs: number;
  /** How long to wait, after the Job finished, for the followed log to deliver its last lines. */
  logDrainMs: number;
}

export const DEFAULT_TIMING: KubernetesRunnerTiming = {
  pollIntervalMs: 2_000,
  requestTimeoutMs: 30_000,
  apiFailureBudgetMs: 120_000,
  imagePullGraceMs: 300_000,
  logStallMs: 60_000,
  logDrainMs: 5_000,
};
