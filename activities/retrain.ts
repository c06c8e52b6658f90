import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { PipelineConfig } from '../config/pipeline.js';
import { readCandidate, type Candidate } from '../training/candidate.js';
import { runLocalTrainer } from '../training/local-runner.js';
import { prepareTraining, type PreparedTraining, type TrainingSource } from '../training/prepare.js';
import type { TrainerProgress } from '../training/request.js';
import { asActivity } from './failures.js';
import type { ActivityDeps } from './shared.js';

export interface RetrainInput {
  pipeline: PipelineConfig;
  source: TrainingSource;
}

export type RetrainResult = Candidate;

/** How often the activity heartbeats while the trainer runs, whatever it prints. */
const HEARTBEAT_MS = 5_000;

/**
 * The retrain stage for runners driven from this worker (`local`: a child
 * process). The `temporal` runner is routed by the workflow instead: prepare
 * here, train on a Python worker's task queue, collect here.
 */
export function createRetrain({ home }: ActivityDeps) {
  return function retrain({ pipeline, source }: RetrainInput): Promise<RetrainResult> {
    return asActivity(async () => {
      const prepared = await prepareTraining(pipeline, source, home);
      if (!prepared.done) await trainLocally(prepared);
      return readCandidate(prepared, !prepared.done);
    });
  };
}

export interface PrepareTrainingInput {
  pipeline: PipelineConfig;
  source: TrainingSource;
}

export function createPrepareTraining({ home }: ActivityDeps) {
  /** Fixes data, request and output directory for a remote trainer (runner `temporal`). */
  return function prepareTrainingActivity({ pipeline, source }: PrepareTrainingInput): Promise<PreparedTraining> {
    return asActivity(() => prepareTraining(pipeline, source, home));
  };
}

export interface CollectCandidateInput {
  prepared: PreparedTraining;
  trained: boolean;
}

export function createCollectCandidate(_deps: ActivityDeps) {
  /** Reads what a remote trainer wrote into the shared state directory. */
  return function collectCandidate({ prepared, trained }: CollectCandidateInput): Promise<RetrainResult> {
    return asActivity(() => readCandidate(prepared, trained));
  };
}

async function trainLocally(prepared: PreparedTraining): Promise<void> {
  const ctx = Context.current();
  let last: TrainerProgress | undefined;
  const beat = setInterval(() => ctx.heartbeat(last), HEARTBEAT_MS);
  try {
    await runLocalTrainer({
      request: prepared.request,
      dataFile: prepared.dataPath,
      outDir: prepared.outDir,
      requestFile: prepared.requestPath,
      signal: ctx.cancellationSignal,
      onProgress: (p) => {
        last = p;
        ctx.heartbeat(p);
      },
    });
  } catch (err) {
    // Report a cancellation as one, not as a trainer failure to be retried.
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('training cancelled; the trainer process group was killed');
    throw err;
  } finally {
    clearInterval(beat);
  }
}
