import type {
  DriftResult,
  EvaluateResult,
  MonitorResult,
  PromoteResult,
  RetrainResult,
} from '../activities/index.js';

export type Stage = 'monitor' | 'drift' | 'retrain' | 'evaluate' | 'promote';
export const STAGES: readonly Stage[] = ['monitor', 'drift', 'retrain', 'evaluate', 'promote'];

export type StageOutcome<T> =
  | { status: 'pending' }
  | { status: 'running' }
  | { status: 'skipped'; reason: string }
  | { status: 'done'; result: T };

export type RetrainReason = 'no-champion' | 'drift' | 'metric-below-threshold' | 'performance-degraded' | 'forced';

export type PassDecision =
  /** The model had no champion: the first version was trained and promoted. */
  | 'bootstrapped'
  /** Nothing called for a retrain. */
  | 'no-retrain'
  /** A candidate beat the champion and became champion. */
  | 'promoted'
  /** A candidate was trained but did not beat the champion. */
  | 'kept-champion';

/** What one pass decided at each stage, with its figures. Returned by the workflow and by its `status` query. */
export interface PassSummary {
  model: string;
  runId: string;
  forced: boolean;
  bootstrap: boolean;
  /** The stage running now, or null when the pass has finished. */
  stage: Stage | null;
  retrainReasons: RetrainReason[];
  decision: PassDecision | null;
  /** The pass's HTML report (absent in runs recorded before reports existed). */
  report?: { status: 'written'; id: string; href: string } | { status: 'failed'; reason: string };
  stages: {
    monitor: StageOutcome<MonitorResult>;
    drift: StageOutcome<DriftResult>;
    retrain: StageOutcome<RetrainResult>;
    evaluate: StageOutcome<EvaluateResult>;
    promote: StageOutcome<PromoteResult>;
  };
}
