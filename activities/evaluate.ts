import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { primaryMetric, type MetricName, type PipelineConfig } from '../config/pipeline.js';
import { evaluateGates, holdoutMetrics, pairedBootstrap, primaryDifference, type BootstrapInterval, type Gate, type MetricPair } from '../evaluation/index.js';
import { OnnxModel, type ModelOutputs } from '../inference/onnx-model.js';
import { score, type Predictions } from '../metrics/index.js';
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
  /** Every gate passed (the margin on the primary metric among them): the candidate may be promoted. */
  won: boolean;
  /** Each gate's verdict, in the order evaluateGates checks them. */
  gates: Gate[];
  /** Every metric of both models on the holdout rows (null where undefined there). */
  metrics: MetricPair[];
  /** The paired bootstrap interval of the primary metric's improvement, when configured. */
  bootstrap?: BootstrapInterval;
}

export function createEvaluate({ registry }: ActivityDeps) {
  /** Scores champion and candidate on the same holdout rows and checks the evaluation gates (evaluation/). */
  return function evaluate({ pipeline, champion, candidateDir }: EvaluateInput): Promise<EvaluateResult> {
    return asActivity(async () => {
      const card = ModelCard.parse(JSON.parse(await readFile(join(candidateDir, 'metadata.json'), 'utf8')));
      const candidate = await OnnxModel.load(await readFile(join(candidateDir, 'model.onnx')), card, 'candidate');
      const current = await loadVersion(registry, pipeline.model, champion);
      try {
        const holdout = await readHoldout(pipeline);
        const metric = primaryMetric(pipeline);
        const config = pipeline.evaluation;
        const [candidateOut, championOut] = [await candidate.run(holdout), await current.run(holdout)];
        const candidatePred = predictionsOf(candidateOut);
        const championPred = predictionsOf(championOut);
        const candidateValue = score(metric, holdout.labels, candidatePred);
        const championValue = score(metric, holdout.labels, championPred);
        const candidateMetrics = holdoutMetrics(holdout.labels, candidateOut);
        const championMetrics = holdoutMetrics(holdout.labels, championOut);
        const metrics: MetricPair[] = Object.keys(candidateMetrics).map((name) => ({
          name,
          candidate: candidateMetrics[name]!.value,
          champion: championMetrics[name]?.value ?? null,
        }));
        const bootstrap = config.bootstrap
          ? pairedBootstrap(holdout.rows, primaryDifference(metric, holdout.labels, candidatePred, championPred), config.bootstrap)
          : undefined;
        const gates = evaluateGates({
          config,
          holdoutRows: holdout.rows,
          primary: { name: metric, candidate: candidateValue, champion: championValue },
          metrics,
          bootstrap,
        });
        return {
          metric,
          champion: championValue,
          candidate: candidateValue,
          margin: config.margin,
          holdoutRows: holdout.rows,
          won: gates.every((g) => g.passed),
          gates,
          metrics,
          ...(bootstrap ? { bootstrap } : {}),
        };
      } finally {
        await Promise.all([candidate.release(), current.release()]);
      }
    });
  };
}

function predictionsOf(out: ModelOutputs): Predictions {
  return out.kind === 'values' ? out : { kind: 'labels', labels: out.labels, classes: out.classes };
}
