import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PipelineConfig } from '../config/pipeline.js';
import { writeCsv } from '../dataset/csv.js';
import { readTable } from '../dataset/read-table.js';
import { holdoutMask } from '../dataset/split.js';
import { sha256 } from '../registry/blob-store.js';
import { buildTrainRequest } from './build-request.js';
import type { TrainRequest } from './request.js';

/**
 * `reference`: the config's reference file, whole (the first version).
 * `current`: the current window minus its holdout rows (a retrain).
 */
export type TrainingSource = 'reference' | 'current';

/** Everything a runner needs to train, and where the output goes. */
export interface PreparedTraining {
  request: TrainRequest;
  /** sha256 over the request and the training bytes: the run's identity. */
  requestHash: string;
  /** The exact rows to train on (and the candidate's future drift reference). */
  dataPath: string;
  runDir: string;
  requestPath: string;
  outDir: string;
  /** A previous attempt already produced this output: nothing to train. */
  done: boolean;
}

/**
 * Fixes the training data and request of a retrain and derives its run
 * directory from their hash, so that every attempt (and every runner) agrees
 * on what is trained and where the output goes.
 */
export async function prepareTraining(pipeline: PipelineConfig, source: TrainingSource, home: string): Promise<PreparedTraining> {
  const dataPath = source === 'reference' ? pipeline.data.reference : await writeFitRows(pipeline, join(home, 'datasets'));
  const dataHash = sha256(await readFile(dataPath));
  const request = buildTrainRequest(pipeline);
  const requestHash = createHash('sha256').update(JSON.stringify(request)).update(dataHash).digest('hex');
  const runDir = join(home, 'runs', requestHash);
  const outDir = join(runDir, 'out');
  await mkdir(runDir, { recursive: true });
  return {
    request,
    requestHash,
    dataPath,
    runDir,
    requestPath: join(runDir, 'request.json'),
    outDir,
    done: await exists(join(outDir, 'metadata.json')),
  };
}

/**
 * Writes the current window's non-holdout rows to a content-addressed CSV, so
 * that the training snapshot (and the request hash built on it) is the same
 * on every attempt.
 */
async function writeFitRows(cfg: PipelineConfig, dir: string): Promise<string> {
  const raw = await readTable(cfg.data.current);
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
