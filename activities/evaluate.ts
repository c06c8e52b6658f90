import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beats, primaryMetric, type MetricName, type PipelineConfig } from '../config/pipeline.js';
import { OnnxModel } from '../inference/onnx-model.js';
import { score } from '../metrics/index.js';
import { ModelCard } from '../training/model-card.js';
import { asActivity } from './failures.js';
import { loadVersion, readHoldout, type ActivityDeps, type VersionRef } from './shared.js';

export interface EvaluateInput {
  pipeline: PipelineConfig;
  champion: VersionRef;
  candidateDir: string;
}

export interface EvaluateResult {
  metric: MetricName;
  champion: number;
  candidate: number;
  margin: number;
  holdoutRows: number;
  /** The candidate beat the champion by at least the margin. */
  won: boolean;
}

export function createEvaluate({ registry }: ActivityDeps) {
  /** Scores champion and candidate on the same holdout rows. */
  return function evaluate({ pipeline, champion, candidateDir }: EvaluateInput): Promise<EvaluateResult> {
    return asActivity(async () => {
      const card = ModelCard.parse(JSON.parse(await readFile(join(candidateDir, 'metadata.json'), 'utf8')));
      const candidate = await OnnxModel.load(await readFile(join(candidateDir, 'model.onnx')), card, 'candidate');
      const current = await loadVersion(registry, pipeline.model, champion);
      try {
        const holdout = await readHoldout(pipeline);
        const metric = primaryMetric(pipeline);
        const championValue = score(metric, holdout.labels, await current.predict(holdout));
        const candidateValue = score(metric, holdout.labels, await candidate.predict(holdout));
        const margin = pipeline.evaluation.margin;
        return {
          metric,
          champion: championValue,
          candidate: candidateValue,
          margin,
          holdoutRows: holdout.rows,
          won: beats(metric, candidateValue, championValue, margin),
        };
      } finally {
        await Promise.all([candidate.release(), current.release()]);
      }
    });
  };
}
