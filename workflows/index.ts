// The workflow bundle's entry: every workflow type the worker serves.
export { retrainPipeline, statusQuery } from './retrain-pipeline.js';
export { batchScore } from './batch-score.js';
export { scheduledPass } from './scheduled-pass.js';
