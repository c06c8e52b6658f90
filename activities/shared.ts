import type { PipelineConfig } from '../config/pipeline.js';
import type { BatchScoringHooks } from './batch-score.js';
import type { GithubClient } from '../github/client.js';
import { readTable } from '../dataset/read-table.js';
import { holdoutMask } from '../dataset/split.js';
import { toLabelledTable, type LabelledTable } from '../dataset/table.js';
import { OnnxModel } from '../inference/onnx-model.js';
import type { ModelVersion, Registry } from '../registry/types.js';

/** What every activity is built with (see createActivities). */
export interface ActivityDeps {
  registry: Registry;
  /** driftloop's state directory: training runs and datasets live under it. */
  home: string;
  /** Reporting back to GitHub (activities/github-report.ts); absent or without a client when the worker has no DRIFTLOOP_GITHUB_TOKEN. */
  github?: GithubReporting;
  /** Tests only: observe batch-chunk segments and inject faults (activities/batch-score.ts). */
  batchHooks?: BatchScoringHooks;
}

export interface GithubReporting {
  client: GithubClient | null;
  /** DRIFTLOOP_REPORT_BASE_URL: where the dashboard serves `/reports/…`, to link reports from GitHub. */
  reportBaseUrl?: string;
}

/** A registry version as it travels through workflow history: a reference, not the bytes. */
export interface VersionRef {
  version: number;
  sha256: string;
}

export function refOf(v: ModelVersion): VersionRef {
  return { version: v.version, sha256: v.sha256 };
}

export async function loadVersion(registry: Registry, model: string, ref: VersionRef): Promise<OnnxModel> {
  const version = await registry.getVersion(model, ref.version);
  return OnnxModel.load(await registry.readModel(version), version.card, `${model} version ${ref.version}`);
}

/**
 * The holdout rows of the current window: never given to the trainer, shared
 * by evaluate for champion and candidate alike.
 */
export async function readHoldout(cfg: PipelineConfig): Promise<LabelledTable> {
  const raw = await readTable(cfg.data.current);
  const mask = holdoutMask(raw.rows.length, cfg.evaluation.holdoutFraction, cfg.trainer.seed);
  return toLabelledTable(raw, cfg.features, cfg.target, (i) => mask[i] === 1);
}
