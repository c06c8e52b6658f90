import { z } from 'zod';
import { PipelineConfig } from './pipeline.js';

/** Input of the `retrainPipeline` workflow: shared by the CLI, the workflow and (later) HTTP triggers. */
export const RetrainPipelineInput = z.strictObject({
  pipeline: PipelineConfig,
  /** Retrain even when neither drift nor a metric drop calls for it. */
  force: z.boolean().default(false),
});
export type RetrainPipelineInput = z.infer<typeof RetrainPipelineInput>;
export type RetrainPipelineInputRaw = z.input<typeof RetrainPipelineInput>;
