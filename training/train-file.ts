import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { Feature, Task, type EstimatorName } from '../config/pipeline.js';
import { projectRoot, trainerPython } from '../config/paths.js';
import { ConfigError } from '../errors/index.js';
import { runLocalTrainer } from './local-runner.js';
import { trainerFailure } from './trainer-exit.js';
import { ModelCard } from './model-card.js';
import type { TrainerProgress, TrainRequest } from './request.js';

const run = promisify(execFile);

/** What `python -m driftloop_trainer inspect` infers from a data file. */
export const Inference = z.looseObject({
  task: Task,
  target: z.string(),
  features: z.array(Feature),
  rows: z.number().int(),
  timeColumn: z.string().nullable().optional(),
  reasons: z.record(z.string(), z.string()),
});
export type Inference = z.infer<typeof Inference>;

export interface InspectOptions {
  data: string;
  target: string;
  drop?: string[];
  timeColumn?: string;
}

/** Infers feature kinds and the task from the data, with the trainer's own reading of the file. */
export async function inspectData(opts: InspectOptions): Promise<Inference> {
  const args = ['-m', 'driftloop_trainer', 'inspect', '--data', resolve(opts.data), '--target', opts.target];
  if (opts.drop?.length) args.push('--drop', opts.drop.join(','));
  if (opts.timeColumn) args.push('--time-column', opts.timeColumn);
  try {
    const { stdout } = await run(trainerPython(), args, { cwd: join(projectRoot, 'trainer'), maxBuffer: 16 * 1024 * 1024 });
    return Inference.parse(JSON.parse(stdout));
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    if (typeof e.code === 'number') throw trainerFailure(e.code, e.stderr ?? '');
    throw err;
  }
}

export interface TrainFileOptions extends InspectOptions {
  out: string;
  task?: z.infer<typeof Task>;
  estimator?: EstimatorName;
  params?: Record<string, string | number | boolean | null>;
  seed?: number;
  name?: string;
  validationFraction?: number;
  onInference?: (inference: Inference) => void;
  onProgress?: (p: TrainerProgress) => void;
  signal?: AbortSignal;
}

export interface TrainFileResult {
  inference: Inference;
  request: TrainRequest;
  outDir: string;
  model: string;
  metadata: string;
  card: ModelCard;
}

/**
 * `driftloop train`: infer, build the request, and run the same local runner
 * the retrain activity uses — one command from a tidy CSV/Parquet file to an
 * ONNX model with its model card.
 */
export async function trainFile(opts: TrainFileOptions): Promise<TrainFileResult> {
  const outDir = resolve(opts.out);
  if (await exists(outDir)) {
    throw new ConfigError(`output directory ${outDir} already exists; choose a new one (the trainer never overwrites a model)`, { out: outDir });
  }
  const inference = await inspectData(opts);
  opts.onInference?.(inference);
  const task = opts.task ?? inference.task;
  const request: TrainRequest = {
    schemaVersion: 1,
    modelName: opts.name ?? modelNameFrom(opts.data),
    task,
    target: opts.target,
    features: inference.features,
    timeColumn: opts.timeColumn ?? null,
    estimator: { name: opts.estimator ?? (task === 'regression' ? 'ridge' : 'logistic_regression'), params: opts.params ?? {} },
    search: null,
    validation: { policy: opts.timeColumn ? 'time' : 'random', fraction: opts.validationFraction ?? 0.2 },
    seed: opts.seed ?? 42,
  };
  // The request file lives beside the output, not in it: OUTDIR holds only what the trainer wrote.
  const scratch = await mkdtemp(join(dirname(outDir), `.${basename(outDir)}.request-`));
  try {
    await runLocalTrainer({
      request,
      dataFile: resolve(opts.data),
      outDir,
      requestFile: join(scratch, 'request.json'),
      onProgress: opts.onProgress,
      signal: opts.signal,
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const metadata = join(outDir, 'metadata.json');
  const card = ModelCard.parse(JSON.parse(await readFile(metadata, 'utf8')));
  return { inference, request, outDir, model: join(outDir, 'model.onnx'), metadata, card };
}

/** A valid model name from a file name: "Churn Data (2024).csv" → "churn-data-2024". */
export function modelNameFrom(file: string): string {
  const stem = basename(file, extname(file))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+$/, '')
    .slice(0, 63);
  return stem || 'model';
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
