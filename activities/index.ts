import { createPlanBatch, createResolveBatchModel, createScoreChunk } from './batch-score.js';
import { createDrift } from './drift.js';
import { createEvaluate } from './evaluate.js';
import { createReportToGitHub } from './github-report.js';
import { createMonitor } from './monitor.js';
import { createPromote } from './promote.js';
import { createReportRun } from './report-run.js';
import { createValidateInSandbox } from './sandbox.js';
import { createCollectCandidate, createPrepareTraining, createRetrain } from './retrain.js';
import { createRollout } from './rollout.js';
import type { ActivityDeps } from './shared.js';

export type { ActivityDeps, VersionRef } from './shared.js';
export type { MonitorInput, MonitorResult } from './monitor.js';
export type { DriftInput, DriftResult, DriftedColumn } from './drift.js';
export type { CollectCandidateInput, PrepareTrainingInput, RetrainInput, RetrainResult } from './retrain.js';
export type { PreparedTraining } from '../training/prepare.js';
export type { EvaluateInput, EvaluateResult } from './evaluate.js';
export type { PromoteInput, PromoteResult } from './promote.js';
export type { ReportRunInput, ReportRunResult } from './report-run.js';
export type { CompareLiveInput, EndCanaryInput, EndCanaryResult, RollbackChampionInput, RollbackChampionResult, StartCanaryInput, StartCanaryResult } from './rollout.js';
export type { ArmStats, LiveComparison } from '../monitoring/live-comparison.js';
export type { SandboxCheck, SandboxInput, SandboxResult } from './sandbox.js';
export type { BatchModelRef, BatchPlan, ChunkResult } from './batch-score.js';
export type { ReportToGitHubInput, ReportToGitHubResult } from './github-report.js';

/**
 * The activities of one retrain pass, one per stage (retrain has two more for
 * the `temporal` runner), sharing their dependencies.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    monitor: createMonitor(deps),
    drift: createDrift(deps),
    retrain: createRetrain(deps),
    prepareTraining: createPrepareTraining(deps),
    collectCandidate: createCollectCandidate(deps),
    evaluate: createEvaluate(deps),
    promote: createPromote(deps),
    validateInSandbox: createValidateInSandbox(deps),
    reportRun: createReportRun(deps),
    ...createRollout(deps),
    // Batch scoring (workflows/batch-score.ts).
    resolveBatchModel: createResolveBatchModel(deps),
    planBatch: createPlanBatch(deps),
    scoreChunk: createScoreChunk(deps),
    reportToGitHub: createReportToGitHub(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
