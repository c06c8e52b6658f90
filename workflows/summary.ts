import type {
  DriftResult,
  EvaluateResult,
  MonitorResult,
  PromoteResult,
  RetrainResult,
} from '../activities/index.js';

import type { ApprovalState } from './approval.js';
import type { LiveComparison, SandboxResult } from '../activities/index.js';
import type { GithubReportState } from './github-reporting.js';

/** The stages every pass records an outcome for. */
export type Stage = 'monitor' | 'drift' | 'retrain' | 'evaluate' | 'promote';
export const STAGES: readonly Stage[] = ['monitor', 'drift', 'retrain', 'evaluate', 'promote'];
/** Where a pass can be: a stage, or one of the policy's waits between evaluate and the final alias move. */
export type Phase = Stage | 'sandbox' | 'approval' | 'canary' | 'watch';

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
  | 'kept-champion'
  /** Policy `manual`: the candidate was rejected, or nobody approved it before the deadline. */
  | 'rejected'
  /** The candidate won the evaluation but failed the serving sandbox (load, answers or latency). */
  | 'failed-sandbox'
  /** The candidate's canary did worse than the champion live (or got too little traffic to judge): it was withdrawn. */
  | 'canary-failed'
  /** Promoted, then rolled back automatically: it did worse live than the champion it replaced within the watch window. */
  | 'rolled-back';

/** What one pass decided at each stage, with its figures. Returned by the workflow and by its `status` query. */
export interface PassSummary {
  model: string;
  runId: string;
  forced: boolean;
  bootstrap: boolean;
  /** The stage (or policy wait) running now, or null when the pass has finished. */
  stage: Phase | null;
  retrainReasons: RetrainReason[];
  decision: PassDecision | null;
  /** The registered candidate, once registered (before any alias move; absent in runs recorded before the promotion policy). */
  candidate?: { version: number; sha256: string };
  /** Policy `manual`: where the approval stands. */
  approval?: ApprovalState;
  /** The serving sandbox's checks of a winning candidate (absent when disabled or not reached). */
  sandbox?: SandboxResult;
  /** promotion.canary: the share of traffic the candidate got and, once judged, the live comparison. */
  canary?: { version: number; share: number; startedAt: string; comparison: LiveComparison | null };
  /** promotion.watch: the new champion's live comparison with the one it replaced, and whether it was rolled back. */
  watch?: { since: string; comparison: LiveComparison; rolledBack: boolean };
  /** GitHub-triggered passes: how reporting back to the check run went. */
  github?: GithubReportState;
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
