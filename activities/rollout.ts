import { primaryMetric, type PipelineConfig } from '../config/pipeline.js';
import { AliasConflictError } from '../errors/index.js';
import { compareLive as compareLiveArms, type LiveComparison } from '../monitoring/live-comparison.js';
import { CHAMPION } from '../registry/types.js';
import { asActivity } from './failures.js';
import type { ActivityDeps } from './shared.js';

/**
 * The rollout activities: a canary's start and end, the live comparison that
 * judges a canary or a watch window, and the automatic rollback. Each is
 * idempotent, because the workflow's retry policy may run any of them twice
 * (docs/promotion.md).
 */

/** Who the registry's audit log names for the workflow's moves. */
const ACTOR = 'retrainPipeline';

export interface StartCanaryInput {
  model: string;
  version: number;
  /** In (0, 1): the config's promotion.canary.share. */
  share: number;
  runId: string;
}

export interface StartCanaryResult {
  /** False when this canary was already running (a retried start). */
  started: boolean;
  version: number;
  share: number;
  /** The champion it shares the traffic with. */
  champion: number;
  /** ISO time the canary started: the `since` of its comparison. */
  startedAt: string;
}

export interface EndCanaryInput {
  model: string;
  runId: string;
  reason: string;
}

export interface EndCanaryResult {
  /** False when no canary was running (already ended: a retry, or promoted). */
  ended: boolean;
  /** The version whose canary ended; null when none was running. */
  version: number | null;
}

export interface CompareLiveInput {
  pipeline: PipelineConfig;
  kind: 'canary' | 'watch';
  /** The champion (canary) or the previous champion (watch). */
  baseline: number;
  /** The candidate in canary, or the newly promoted champion. */
  subject: number;
  /** ISO start of the canary, or of the promotion. */
  since: string;
  /** ISO end of the window. */
  until: string;
}

export interface RollbackChampionInput {
  model: string;
  /** The champion being rolled back: nothing happens when `champion` points elsewhere now. */
  expectedChampion: number;
  runId: string;
  reason: string;
}

export interface RollbackChampionResult {
  /** True when this run's rollback happened (now, or on an earlier attempt). */
  rolledBack: boolean;
  /** The version `champion` points at now. */
  champion: number;
}

export function createStartCanary({ registry }: ActivityDeps) {
  /** Routes `share` of the model's traffic to `version` (serving follows it); a retry finds it running and changes nothing. */
  return function startCanary(input: StartCanaryInput): Promise<StartCanaryResult> {
    return asActivity(async () => {
      const { started, canary } = await registry.startCanary({
        model: input.model,
        version: input.version,
        share: input.share,
        actor: ACTOR,
        runId: input.runId,
        reason: `canary of version ${input.version} at ${Math.round(input.share * 1000) / 10}% of the traffic`,
      });
      return { started, version: canary.version, share: canary.share, champion: canary.champion, startedAt: canary.startedAt };
    });
  };
}

export function createEndCanary({ registry }: ActivityDeps) {
  /** Ends the model's running canary (all traffic back to the champion); ending an ended canary is a no-op. */
  return function endCanary(input: EndCanaryInput): Promise<EndCanaryResult> {
    return asActivity(async () => {
      const res = await registry.endCanary({ model: input.model, actor: ACTOR, runId: input.runId, reason: input.reason });
      return { ended: res.ended, version: res.canary?.version ?? null };
    });
  };
}

export function createCompareLive({ registry }: ActivityDeps) {
  /** Reads the prediction log and judges subject against baseline by the pipeline's promotion.canary or promotion.watch rules. */
  return function compareLive(input: CompareLiveInput): Promise<LiveComparison> {
    return asActivity(() =>
      compareLiveArms(registry, {
        model: input.pipeline.model,
        kind: input.kind,
        metric: primaryMetric(input.pipeline),
        baseline: input.baseline,
        subject: input.subject,
        since: input.since,
        until: input.until,
        canary: input.pipeline.promotion?.canary,
        watch: input.pipeline.promotion?.watch,
      }),
    );
  };
}

export function createRollbackChampion({ registry }: ActivityDeps) {
  /**
   * Swaps `champion` back to `previous` by compare-and-swap on the champion
   * that was judged. A retry after it happened finds this run's own move in
   * the audit log and reports it; a champion someone else moved meanwhile is
   * left alone (rolledBack false).
   */
  return function rollbackChampion(input: RollbackChampionInput): Promise<RollbackChampionResult> {
    return asActivity(async () => {
      try {
        const res = await registry.rollback({
          model: input.model,
          expectedChampion: input.expectedChampion,
          actor: ACTOR,
          runId: input.runId,
          reason: input.reason,
        });
        return { rolledBack: res.moves.length > 0, champion: res.champion };
      } catch (err) {
        if (!(err instanceof AliasConflictError)) throw err;
        const history = await registry.aliasHistory(input.model, CHAMPION);
        const last = history.at(-1)!;
        const ours = last.fromVersion === input.expectedChampion && last.runId === input.runId && last.actor === ACTOR;
        return { rolledBack: ours, champion: last.toVersion };
      }
    });
  };
}

/** The four rollout activities, spread into createActivities. */
export function createRollout(deps: ActivityDeps) {
  return {
    startCanary: createStartCanary(deps),
    endCanary: createEndCanary(deps),
    compareLive: createCompareLive(deps),
    rollbackChampion: createRollbackChampion(deps),
  };
}
