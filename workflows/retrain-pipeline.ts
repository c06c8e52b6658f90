import {
  ApplicationFailure,
  CancellationScope,
  condition,
  defineQuery,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { Activities, PromoteResult, RetrainResult } from '../activities/index.js';
import { formatIssues } from '../config/format-issues.js';
import { RetrainPipelineInput, type RetrainPipelineInputRaw } from '../config/pipeline-run.js';
import type { PipelineConfig, TrainerConfig } from '../config/pipeline.js';
import type { RemoteTrainerActivities } from '../training/remote-trainer.js';
import type { TrainingSource } from '../training/prepare.js';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { CandidateVersionKey, DecisionKey, StageKey } from './search-attributes.js';
import { ApprovalAnswer, approveUpdate, rejectUpdate, type ApprovalState } from './approval.js';
import { createGithubReporter } from './github-reporting.js';
import type { PassSummary, Phase, RetrainReason, Stage } from './summary.js';

export const statusQuery = defineQuery<PassSummary>('status');

/** Reading files and scoring models: quick, and safe to retry. */
const { monitor, drift, evaluate, promote, prepareTraining, collectCandidate, reportRun, validateInSandbox, startCanary, endCanary, compareLive, rollbackChampion } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  // Activities heartbeat every second while they run (activities/failures.ts): a worker killed
  // mid-activity is noticed after this, not after the 10-minute start-to-close.
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

/** Runs started before the run report existed replay without it. */
const RUN_REPORT_PATCH = 'run-report-v1';
/** Runs started before the Stage/Decision/CandidateVersion search attributes replay without their upserts. */
const SEARCH_ATTRIBUTES_PATCH = 'search-attributes-v1';
/**
 * Runs started before the promotion policy existed made one `promote` call
 * that registered and moved the alias; newer runs register first, then pass
 * the candidate through the policy (approval) before moving `champion`.
 */
const PROMOTION_PATCH = 'promotion-policy-v1';

/** Runs started before the serving sandbox existed go from evaluate straight to registration. */
const SANDBOX_PATCH = 'serving-sandbox-v1';
/** Ending a canary when the pass fails or is cancelled during it (only failure paths: completed histories are unaffected). */
const CANARY_CLEANUP_PATCH = 'canary-cleanup-v1';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

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
  handleApprovals(summary);
  const tagged = patched(SEARCH_ATTRIBUTES_PATCH);
  const tag = (...updates: SearchAttributeUpdatePair[]) => {
    if (tagged) upsertSearchAttributes(updates);
  };
  // GitHub-triggered passes report to a check run as they go; the reporter never throws.
  const github = createGithubReporter(parsed.data.trigger, { workflowId: workflowInfo().workflowId, runId: summary.runId });
  const report = async () => {
    if (!github.enabled) return;
    await github.update(summary);
    summary.github = github.state ?? undefined;
  };
  /** Enters a stage or a policy wait (sandbox, approval, canary, watch). */
  const enter = async (phase: Phase) => {
    summary.stage = phase;
    tag({ key: StageKey, value: phase });
    await report();
  };
  const begin = async (stage: Stage) => {
    summary.stages[stage] = { status: 'running' };
    await enter(stage);
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
    await report();
    return summary;
  };

  await begin('monitor');
  const measured = await monitor({ pipeline });
  summary.stages.monitor = { status: 'done', result: measured };

  if (measured.status === 'no-champion') {
    summary.bootstrap = true;
    summary.retrainReasons.push('no-champion');
    skip('drift', 'the model has no champion yet');
    await begin('retrain');
    const trained = await retrain('reference');
    summary.stages.retrain = { status: 'done', result: trained };
    skip('evaluate', 'first version: there is no champion to compare with');
    await begin('promote');
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
  await begin('drift');
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

  await begin('retrain');
  const trained = await retrain('current');
  summary.stages.retrain = { status: 'done', result: trained };

  await begin('evaluate');
  const evaluation = await evaluate({ pipeline, champion, candidateDir: trained.candidateDir });
  summary.stages.evaluate = { status: 'done', result: evaluation };

  const reason = `${reasons.join(', ')}: ${evaluation.metric} ${evaluation.candidate.toFixed(4)} vs champion ${evaluation.champion.toFixed(4)} (margin ${evaluation.margin})`;
  const promoteInput = {
    model: pipeline.model,
    candidateDir: trained.candidateDir,
    trainingData: trained.trainingData,
    expectedChampion: champion,
    runId: summary.runId,
  };

  if (!patched(PROMOTION_PATCH)) {
    await begin('promote');
    const promoted = await promote({ ...promoteInput, promote: evaluation.won, reason });
    summary.stages.promote = { status: 'done', result: promoted };
    return finish(evaluation.won ? 'promoted' : 'kept-champion');
  }

  // Infra validation: the candidate must load and answer right, within the latency budget,
  // in a real serving process before anything may route traffic to it.
  if (evaluation.won && pipeline.sandbox.enabled && patched(SANDBOX_PATCH)) {
    await enter('sandbox');
    summary.sandbox = await validateInSandbox({ pipeline, candidateDir: trained.candidateDir });
  }

  // Every trained candidate is registered (content-addressed: a retry finds the same version),
  // so that a rejected or losing candidate stays inspectable; only the alias move waits on the policy.
  await begin('promote');
  const registered = await promote({ ...promoteInput, promote: false, reason });
  summary.candidate = { version: registered.version, sha256: registered.sha256 };
  tag({ key: CandidateVersionKey, value: registered.version });
  if (!evaluation.won) {
    summary.stages.promote = { status: 'done', result: registered };
    return finish('kept-champion');
  }
  if (summary.sandbox && !summary.sandbox.passed) {
    summary.stages.promote = { status: 'done', result: registered };
    return finish('failed-sandbox');
  }

  if (pipeline.promotion.policy === 'manual') {
    await enter('approval');
    const approval = await awaitApproval(summary, registered.version, pipeline.promotion.approval.timeoutDays);
    if (approval.status !== 'approved') {
      summary.stages.promote = { status: 'done', result: registered };
      return finish('rejected');
    }
  }

  const canary = pipeline.promotion.canary;
  let moved: PromoteResult;
  try {
    if (canary) {
      await enter('canary');
      const started = await startCanary({ model: pipeline.model, version: registered.version, share: canary.share, runId: summary.runId });
      summary.canary = { version: registered.version, share: canary.share, startedAt: started.startedAt, comparison: null };
      await sleep(canary.windowMinutes * MINUTE_MS);
      const comparison = await compareLive({
        pipeline,
        kind: 'canary',
        baseline: champion.version,
        subject: registered.version,
        since: started.startedAt,
        until: new Date(Date.now()).toISOString(),
      });
      summary.canary.comparison = comparison;
      // Too little traffic to judge is not a pass: the candidate goes back and the champion keeps serving.
      if (comparison.verdict !== 'pass') {
        await endCanary({ model: pipeline.model, runId: summary.runId, reason: `canary ${comparison.verdict}: ${comparison.reasons.join('; ')}` });
        summary.stages.promote = { status: 'done', result: registered };
        return finish('canary-failed');
      }
    }

    // Back from a policy wait (approval, canary): the Stage attribute shows the alias move again.
    if (summary.stage !== 'promote') await enter('promote');
    const approvedBy = summary.approval?.status === 'approved' ? `; approved by ${summary.approval.by}` : '';
    const canaryNote = summary.canary ? `; canary passed at ${summary.canary.share * 100}% of traffic` : '';
    // Promoting the version in canary also ends its canary, in the same registry transaction.
    moved = await promote({ ...promoteInput, promote: true, reason: reason + approvedBy + canaryNote });
  } catch (err) {
    // Cancelled, or failed for good, while a canary runs: a canary left running would keep sending
    // its share of traffic to a candidate no pass is in charge of, and block the next pass's canary.
    if (summary.canary && patched(CANARY_CLEANUP_PATCH)) {
      const why = err instanceof Error ? err.message : String(err);
      try {
        await CancellationScope.nonCancellable(() => endCanary({ model: pipeline.model, runId: summary.runId, reason: `the pass ended during its canary: ${why}` }));
      } catch {
        // The original failure is the one to report; `driftloop models` shows the canary if it survived.
      }
    }
    throw err;
  }
  // This pass registered the version (the first call above), even though the second call found it registered.
  const promoted = { ...moved, registered: registered.registered };
  summary.stages.promote = { status: 'done', result: promoted };
  if (!promoted.promoted) return finish('kept-champion');

  const watch = pipeline.promotion.watch;
  if (watch) {
    await enter('watch');
    const since = new Date(Date.now()).toISOString();
    await sleep(watch.windowMinutes * MINUTE_MS);
    const comparison = await compareLive({
      pipeline,
      kind: 'watch',
      baseline: champion.version,
      subject: promoted.version,
      since,
      until: new Date(Date.now()).toISOString(),
    });
    summary.watch = { since, comparison, rolledBack: false };
    if (comparison.verdict === 'fail') {
      const rolled = await rollbackChampion({
        model: pipeline.model,
        expectedChampion: promoted.version,
        runId: summary.runId,
        reason: `watch window: v${promoted.version} did worse live than v${champion.version}: ${comparison.reasons.join('; ')}`,
      });
      summary.watch.rolledBack = rolled.rolledBack;
      if (rolled.rolledBack) return finish('rolled-back');
    }
  }
  return finish('promoted');
}

/**
 * Waits for `approve` or `reject` (Workflow Updates, validated: only while
 * this candidate waits) or the deadline, on Temporal's durable timer: a
 * week-long wait survives worker and server restarts and costs nothing.
 */
async function awaitApproval(summary: PassSummary, candidate: number, timeoutDays: number): Promise<ApprovalState> {
  const since = new Date(Date.now());
  const deadline = new Date(since.getTime() + timeoutDays * DAY_MS);
  summary.approval = { status: 'waiting', candidate, since: since.toISOString(), deadline: deadline.toISOString() };
  const answered = await condition(() => summary.approval?.status !== 'waiting', deadline.getTime() - since.getTime());
  if (!answered) summary.approval = { status: 'timed-out', candidate, deadline: deadline.toISOString() };
  return summary.approval!;
}

/**
 * The approve/reject handlers, registered when the pass starts so that an
 * early or late answer gets a clear refusal from the validator rather than
 * "no handler". Only an answer while a candidate waits is accepted.
 */
function handleApprovals(summary: PassSummary): void {
  const validate = (raw: unknown) => {
    const waiting = summary.approval?.status === 'waiting' ? summary.approval : null;
    if (!waiting) {
      throw new Error(`no candidate is waiting for approval in this pass (${summary.approval ? `approval ${summary.approval.status}` : summary.decision ? `decided: ${summary.decision}` : `stage: ${summary.stage ?? 'starting'}`})`);
    }
    const answer = ApprovalAnswer.safeParse(raw);
    if (!answer.success) throw new Error(`invalid answer: ${formatIssues(answer.error)}`);
    if (answer.data.version !== undefined && answer.data.version !== waiting.candidate) {
      throw new Error(`version ${answer.data.version} is not the candidate waiting for approval (version ${waiting.candidate})`);
    }
  };
  const answer = (status: 'approved' | 'rejected') => (raw: ApprovalAnswer): ApprovalState => {
    const a = ApprovalAnswer.parse(raw);
    const candidate = summary.approval!.candidate;
    summary.approval = { status, candidate, by: a.by, ...(a.comment ? { comment: a.comment } : {}), at: new Date(Date.now()).toISOString() };
    return summary.approval;
  };
  setHandler(approveUpdate, answer('approved'), { validator: validate });
  setHandler(rejectUpdate, answer('rejected'), { validator: validate });
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
