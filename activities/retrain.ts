import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { writeFile } from 'node:fs/promises';
import type { PipelineConfig } from '../config/pipeline.js';
import { ConfigError } from '../errors/index.js';
import { loadKubeConfig, runKubernetesTrainer, trainingJobManifest } from '../training/kubernetes/index.js';
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
 * process; `kubernetes`: a Job). The `temporal` runner is routed by the workflow instead: prepare
 * here, train on a Python worker's task queue, collect here.
 */
export function createRetrain({ home }: ActivityDeps) {
  return function retrain({ pipeline, source }: RetrainInput): Promise<RetrainResult> {
    return asActivity(async () => {
      const prepared = await prepareTraining(pipeline, source, home);
      if (!prepared.done) {
        if (pipeline.trainer.runner === 'kubernetes') await trainOnKubernetes(pipeline, prepared, home);
        else await trainLocally(prepared);
      }
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
  await withHeartbeats((signal, onProgress) =>
    runLocalTrainer({
      request: prepared.request,
      dataFile: prepared.dataPath,
      outDir: prepared.outDir,
      requestFile: prepared.requestPath,
      signal,
      onProgress,
    }),
  );
}

/** One Job per training request; the Job reads and writes the volume shared with this worker. */
async function trainOnKubernetes(pipeline: PipelineConfig, prepared: PreparedTraining, home: string): Promise<void> {
  const config = pipeline.trainer.kubernetes;
  if (!config) throw new ConfigError('runner "kubernetes" needs a trainer.kubernetes section');
  await writeFile(prepared.requestPath, JSON.stringify(prepared.request, null, 2));
  const manifest = trainingJobManifest({
    request: prepared.request,
    requestHash: prepared.requestHash,
    paths: { request: prepared.requestPath, data: prepared.dataPath, out: prepared.outDir },
    home,
    config,
    timeoutSeconds: pipeline.trainer.timeoutMinutes * 60,
  });
  await withHeartbeats((signal, onProgress) =>
    runKubernetesTrainer({ manifest, namespace: config.namespace, kubeConfig: loadKubeConfig(), signal, onProgress }),
  );
}

/**
 * Runs a trainer with the activity's heartbeats (its progress, and a beat every
 * few seconds while it is silent) and its cancellation signal.
 */
async function withHeartbeats(
  body: (signal: AbortSignal, onProgress: (p: TrainerProgress) => void) => Promise<void>,
): Promise<void> {
  const ctx = Context.current();
  let last: TrainerProgress | undefined;
  const beat = setInterval(() => ctx.heartbeat(last), HEARTBEAT_MS);
  try {
    await body(ctx.cancellationSignal, (p) => {
      last = p;
      ctx.heartbeat(p);
    });
  } catch (err) {
    // Report a cancellation as one, not as a trainer failure to be retried.
    if (ctx.cancellationSignal.aborted) throw new CancelledFailure('training cancelled; the trainer process group was killed');
    throw err;
  } finally {
    clearInterval(beat);
  }
}
