import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ConfigError, DriftloopError } from '../errors/index.js';
import { RetrainPipelineInput } from '../config/pipeline-run.js';
import type { PipelineConfig } from '../config/pipeline.js';
import { formatIssues } from '../config/format-issues.js';
import type { retrainPipeline } from '../workflows/retrain-pipeline.js';
import { ModelNameKey } from '../workflows/search-attributes.js';
import type { PassSummary } from '../workflows/summary.js';

/** One pass of a model at a time: the workflow id is derived from the model name. */
export function passWorkflowId(model: string): string {
  return `retrain-${model}`;
}

export class PassAlreadyRunningError extends DriftloopError {
  readonly code = 'PASS_ALREADY_RUNNING';
}

export class PassFailedError extends DriftloopError {
  readonly code = 'PASS_FAILED';
}

export interface StartPassOptions {
  taskQueue: string;
  force?: boolean;
}

/** Starts a `retrainPipeline` pass; refuses when one is already running for the model. */
export async function startPass(
  client: Client,
  pipeline: PipelineConfig,
  opts: StartPassOptions,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof retrainPipeline>> {
  const input = RetrainPipelineInput.safeParse({ pipeline, force: opts.force ?? false });
  if (!input.success) throw new ConfigError(`invalid pass input: ${formatIssues(input.error)}`);
  const workflowId = passWorkflowId(pipeline.model);
  try {
    return await client.workflow.start<typeof retrainPipeline>('retrainPipeline', {
      taskQueue: opts.taskQueue,
      workflowId,
      args: [input.data],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: [{ key: ModelNameKey, value: pipeline.model }],
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      const running = await client.workflow.getHandle(workflowId).describe();
      throw new PassAlreadyRunningError(
        `a pass of model "${pipeline.model}" is already running (workflow ${workflowId}, run ${running.runId})`,
        { workflowId, runId: running.runId },
      );
    }
    throw err;
  }
}

/** Waits for a pass and returns its summary; a failed pass becomes one readable error. */
export async function waitForPass(handle: WorkflowHandle<typeof retrainPipeline>): Promise<PassSummary> {
  try {
    return await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      throw new PassFailedError(`pass ${handle.workflowId} failed: ${rootMessage(err)}`, { workflowId: handle.workflowId });
    }
    throw err;
  }
}

/** The innermost cause's message: the activity's own words, not Temporal's wrappers. */
export function rootMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e && e.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
