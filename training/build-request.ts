import { defaultEstimator, type PipelineConfig } from '../config/pipeline.js';
import type { TrainRequest } from './request.js';

/** The training request a pipeline config asks for (every field explicit, as the JSON Schema requires). */
export function buildTrainRequest(pipeline: PipelineConfig): TrainRequest {
  const t = pipeline.trainer;
  return {
    schemaVersion: 1,
    modelName: pipeline.model,
    task: pipeline.task,
    target: pipeline.target,
    features: pipeline.features,
    timeColumn: t.timeColumn ?? null,
    estimator: t.code ? { code: t.code, params: t.params } : { name: defaultEstimator(pipeline), params: t.params },
    search: t.search ?? null,
    validation: t.validation,
    seed: t.seed,
  };
}
