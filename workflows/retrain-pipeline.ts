import {
  ApplicationFailure,
  defineQuery,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities, RetrainResult } from '../activities/index.js';
import { formatIssues } from '../config/format-issues.js';
import { RetrainPipelineInput, type RetrainPipelineInputRaw } from '../config/pipeline-run.js';
import type { PipelineConfig, TrainerConfig } from '../config/pipeline.js';
import type { RemoteTrainerActivities } from '../training/remote-trainer.js';
import type { TrainingSource } from '../training/prepare.js';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { CandidateVersionKey, DecisionKey, StageKey } from './search-attributes.js';
import type { PassSummary, RetrainReason, Stage } from './summary.js';

export const statusQuery = defineQuery<PassSummary>('status');

/** Reading files and scoring models: quick, and safe to retry. */
const { monitor, drift, evaluate, promote, prepareTraining, collectCandidate, reportRun } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Runs started before the run report existed replay without it. */
const RUN_REPORT_PATCH = 'run-report-v1';
/** Runs started before the Stage/Decision/CandidateVersion search attributes replay without their upserts. */
const SEARCH_ATTRIBUTES_PATCH = 'search-attributes-v1';

/**
 * One pass of the loop for one model: monitor → drift → retrain → evaluate →
 * promote. Each stage is an activity; the workflow only decides. A model with
 * no champion yet is bootstrapped: trained and promoted without a comparison.
 */
export async function retrainPipeline(rawInput: RetrainPipelineInputRaw): Promise<PassSummary> {
  const parsed = RetrainPipelineInput.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`invalid retrainPipeline input: ${formatIssues(parsed.error)}`, 'ConfigError');
  }
  const { pipeline, force } = parsed.data;
  const retrain = (source: TrainingSource) => runRetrain(pipeline, source);

  const summary: PassSummary = {
    model: pipeline.model,
    runId: workflowInfo().runId,
    forced: force,
    bootstrap: false,
    stage: null,
    retrainReasons: [],
    decision: null,
    stages: {
      monitor: { status: 'pending' },
      drift: { status: 'pending' },
      retrain: { status: 'pending' },
      evaluate: { status: 'pending' },
      promote: { status: 'pending' },
    },
  };
  setHandler(statusQuery, () => summary);
  const tagged = patched(SEARCH_ATTRIBUTES_PATCH);
  const tag = (...updates: SearchAttributeUpdatePair[]) => {
    if (tagged) upsertSearchAttributes(updates);
  };
  const begin = (stage: Stage) => {
    summary.stage = stage;
    summary.stages[stage] = { status: 'running' };
    tag({ key: StageKey, value: stage });
  };
  const skip = (stage: Stage, reason: string) => {
    summary.stages[stage] = { status: 'skipped', reason };
  };
  const finish = async (decision: NonNullable<PassSummary['decision']>): Promise<PassSummary> => {
    summary.stage = null;
    summary.decision = decision;
    const candidate = summary.stages.promote.status === 'done' ? summary.stages.promote.result.version : null;
    tag({ key: DecisionKey, value: decision }, ...(candidate === null ? [] : [{ key: CandidateVersionKey, value: candidate }]));
    if (patched(RUN_REPORT_PATCH)) {
      tag({ key: StageKey, value: 'report' });
      // The report is for people; failing to write it must not undo or fail a pass that decided.
      try {
        summary.report = { status: 'written', ...(await reportRun({ pipeline, summary })) };
      } catch (err) {
        summary.report = { status: 'failed', reason: err instanceof Error ? err.message : String(err) };
      }
    }
    tag({ key: StageKey, value: 'done' });
    return summary;
  };

  begin('monitor');
  const measured = await monitor({ pipeline });
  summary.stages.monitor = { status: 'done', result: measured };

  if (measured.status === 'no-champion') {
    summary.bootstrap = true;
    summary.retrainReasons.push('no-champion');
    skip('drift', 'the model has no champion yet');
    begin('retrain');
    const trained = await retrain('reference');
    summary.stages.retrain = { status: 'done', result: trained };
    skip('evaluate', 'first version: there is no champion to compare with');
    begin('promote');
    const promoted = await promote({
      model: pipeline.model,
      candidateDir: trained.candidateDir,
      trainingData: trained.trainingData,
      promote: true,
      expectedChampion: null,
      runId: summary.runId,
      reason: 'bootstrap: first version of the model',
    });
    summary.stages.promote = { status: 'done', result: promoted };
    return finish('bootstrapped');
  }

  const champion = measured.champion;
  begin('drift');
  const drifted = await drift({ pipeline, champion });
  summary.stages.drift = { status: 'done', result: drifted };

  const reasons: RetrainReason[] = [];
  if (drifted.detected) reasons.push('drift');
  if (measured.belowThreshold) reasons.push('metric-below-threshold');
  if (measured.degradation?.degraded) reasons.push('performance-degraded');
  if (force) reasons.push('forced');
  summary.retrainReasons = reasons;
  if (reasons.length === 0) {
    skip('retrain', 'no drift, metric within threshold and rules, not forced');
    skip('evaluate', 'nothing was retrained');
    skip('promote', 'nothing was retrained');
    return finish('no-retrain');
  }

  begin('retrain');
  const trained = await retrain('current');
  summary.stages.retrain = { status: 'done', result: trained };

  begin('evaluate');
  const evaluation = await evaluate({ pipeline, champion, candidateDir: trained.candidateDir });
  summary.stages.evaluate = { status: 'done', result: evaluation };

  begin('promote');
  const promoted = await promote({
    model: pipeline.model,
    candidateDir: trained.candidateDir,
    trainingData: trained.trainingData,
    promote: evaluation.won,
    expectedChampion: champion,
    runId: summary.runId,
    reason: `${reasons.join(', ')}: ${evaluation.metric} ${evaluation.candidate.toFixed(4)} vs champion ${evaluation.champion.toFixed(4)} (margin ${evaluation.margin})`,
  });
  summary.stages.promote = { status: 'done', result: promoted };
  return finish(evaluation.won ? 'promoted' : 'kept-champion');
}

/** Timeouts and retries of a training attempt, from the pipeline config. */
function trainingOptions(t: TrainerConfig): ActivityOptions {
  return {
    startToCloseTimeout: `${t.timeoutMinutes} minutes`,
    heartbeatTimeout: `${t.heartbeatSeconds} seconds`,
    retry: {
      maximumAttempts: t.retry.maximumAttempts,
      initialInterval: `${t.retry.initialIntervalSeconds} seconds`,
      backoffCoefficient: t.retry.backoffCoefficient,
      maximumInterval: `${t.retry.maximumIntervalSeconds} seconds`,
    },
  };
}

/**
 * The retrain stage on the configured runner. `local` (and `kubernetes`) run
 * inside one activity of this worker; `temporal` sends the training itself to
 * the Python trainer workers' task queue, so trainers scale as their own pool
 * and this worker needs no rights to start containers.
 */
async function runRetrain(pipeline: PipelineConfig, source: TrainingSource): Promise<RetrainResult> {
  const t = pipeline.trainer;
  if (t.runner !== 'temporal') {
    const { retrain } = proxyActivities<Activities>(trainingOptions(t));
    return retrain({ pipeline, source });
  }
  const prepared = await prepareTraining({ pipeline, source });
  let trained = false;
  if (!prepared.done) {
    const { train } = proxyActivities<RemoteTrainerActivities>({ ...trainingOptions(t), taskQueue: t.taskQueue });
    trained = (await train({ request: prepared.request, dataPath: prepared.dataPath, outDir: prepared.outDir })).trained;
  }
  return collectCandidate({ prepared, trained });
}
