import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import type { RetrainPipelineInputRaw } from '../config/pipeline-run.js';
import { passWorkflowId } from './pass-id.js';
import { retrainPipeline } from './retrain-pipeline.js';
import { ModelNameKey } from './search-attributes.js';
import type { PassSummary } from './summary.js';

export interface ScheduledPassInput {
  pass: RetrainPipelineInputRaw & { pipeline: { model: string } };
  /** The pass's memo (its config digest), set on the child. */
  memo?: Record<string, unknown>;
}

export type ScheduledPassResult =
  | { status: 'ran'; workflowId: string; runId: string; summary: PassSummary }
  | { status: 'already-running'; workflowId: string; reason: string };

/**
 * What a schedule starts. Temporal appends the scheduled time to a
 * schedule's workflow ids, so a scheduled `retrainPipeline` could run beside
 * a manual or GitHub-triggered pass of the same model. This wrapper starts
 * the pass as a child under the model's one pass id instead: if a pass is
 * already running, the tick records "already running" and starts nothing.
 */
export async function scheduledPass(input: ScheduledPassInput): Promise<ScheduledPassResult> {
  const model = input.pass.pipeline.model;
  const workflowId = passWorkflowId(model);
  let child;
  try {
    child = await startChild(retrainPipeline, {
      workflowId,
      args: [input.pass],
      typedSearchAttributes: [{ key: ModelNameKey, value: model }],
      ...(input.memo ? { memo: input.memo } : {}),
      // A pass may wait days for approval: it must outlive this wrapper if the wrapper is terminated.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return { status: 'already-running', workflowId, reason: `a pass of model "${model}" is already running (workflow ${workflowId})` };
    }
    throw err;
  }
  return { status: 'ran', workflowId, runId: child.firstExecutionRunId, summary: await child.result() };
}
