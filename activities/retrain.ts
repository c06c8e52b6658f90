import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { defaultEstimator, type PipelineConfig } from '../config/pipeline.js';
import { readCsv, writeCsv } from '../dataset/csv.js';
import { holdoutMask } from '../dataset/split.js';
import { sha256 } from '../registry/blob-store.js';
import { runLocalTrainer } from '../training/local-runner.js';
import { ModelCard } from '../training/model-card.js';
import type { TrainerProgress, TrainRequest } from '../training/request.js';
import { asActivity } from './failures.js';
import type { ActivityDeps } from './shared.js';

export interface RetrainInput {
  pipeline: PipelineConfig;
  /**
   * `reference`: the config's reference file, whole (the first version).
   * `current`: the current window minus its holdout rows (a retrain).
   */
  source: 'reference' | 'current';
}

export interface RetrainResult {
  /** Directory holding model.onnx and metadata.json, keyed by the request hash. */
  candidateDir: string;
  /** The exact rows the candidate was trained on (its future drift reference). */
  trainingData: string;
  requestHash: string;
  modelSha256: string;
  trainingRows: number;
  validationMetrics: Record<string, number | null>;
  /** False when a previous attempt had already finished this exact request. */
  trained: boolean;
}

/** How often the activity heartbeats while the trainer runs, whatever it prints. */
const HEARTBEAT_MS = 5_000;

export function createRetrain({ home }: ActivityDeps) {
  return function retrain({ pipeline, source }: RetrainInput): Promise<RetrainResult> {
    return asActivity(async () => {
      const trainingData =
        source === 'reference' ? pipeline.data.reference : await writeFitRows(pipeline, join(home, 'datasets'));
      const dataHash = sha256(await readFile(trainingData));
      const request: TrainRequest = {
        schemaVersion: 1,
        modelName: pipeline.model,
        task: pipeline.task,
        target: pipeline.target,
        features: pipeline.features,
        estimator: { name: defaultEstimator(pipeline), params: pipeline.trainer.params },
        validation: { fraction: pipeline.trainer.validationFraction },
        seed: pipeline.trainer.seed,
      };
      // Same request on the same bytes → same directory: a retried attempt
      // finds the finished output instead of training again.
      const requestHash = createHash('sha256').update(JSON.stringify(request)).update(dataHash).digest('hex');
      const runDir = join(home, 'runs', requestHash);
      const outDir = join(runDir, 'out');
      await mkdir(runDir, { recursive: true });
      const trained = !(await exists(join(outDir, 'metadata.json')));
      if (trained) await train(request, trainingData, runDir, outDir);
      const card = ModelCard.parse(JSON.parse(await readFile(join(outDir, 'metadata.json'), 'utf8')));
      return {
        candidateDir: outDir,
        trainingData,
        requestHash,
        modelSha256: sha256(await readFile(join(outDir, 'model.onnx'))),
        trainingRows: card.trainingData.rows,
        validationMetrics: card.metrics,
        trained,
      };
    });
  };
}

async function train(request: TrainRequest, dataFile: string, runDir: string, outDir: string): Promise<void> {
  const ctx = Context.current();
  let last: TrainerProgress | undefined;
  const beat = setInterval(() => ctx.heartbeat(last), HEARTBEAT_MS);
  try {
    await runLocalTrainer({
      request,
      dataFile,
      outDir,
      requestFile: join(runDir, 'request.json'),
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

/**
 * Writes the current window's non-holdout rows to a content-addressed CSV, so
 * that the training snapshot (and the request hash built on it) is the same
 * on every attempt.
 */
async function writeFitRows(cfg: PipelineConfig, dir: string): Promise<string> {
  const raw = await readCsv(cfg.data.current);
  const mask = holdoutMask(raw.rows.length, cfg.evaluation.holdoutFraction, cfg.trainer.seed);
  await mkdir(dir, { recursive: true });
  const staging = join(dir, `staging-${process.pid}-${Date.now()}.csv`);
  await writeCsv(staging, raw.header, raw.rows.filter((_, i) => mask[i] === 0));
  const file = join(dir, `${sha256(await readFile(staging))}.csv`);
  await rename(staging, file);
  return file;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
