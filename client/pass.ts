import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client, type WorkflowHandle, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { ConfigError, DriftloopError } from '../errors/index.js';
import { RetrainPipelineInput, type PassTrigger } from '../config/pipeline-run.js';
import type { PipelineConfig } from '../config/pipeline.js';
import { formatIssues } from '../config/format-issues.js';
import type { retrainPipeline } from '../workflows/retrain-pipeline.js';
import { ModelNameKey } from '../workflows/search-attributes.js';
import { passWorkflowId } from '../workflows/pass-id.js';
import { configDigest } from '../config/digest.js';
import type { PassSummary } from '../workflows/summary.js';

export { passWorkflowId } from '../workflows/pass-id.js';

export class PassAlreadyRunningError extends DriftloopError {
  readonly code = 'PASS_ALREADY_RUNNING';
}

export class PassFailedError extends DriftloopError {
  readonly code = 'PASS_FAILED';
}

export interface StartPassOptions {
  taskQueue: string;
  force?: boolean;
  /** What started the pass (GitHub triggers are reported back to); default manual. */
  trigger?: PassTrigger;
}

/**
 * What starting one pass needs — workflow type, id, task queue, validated
 * input, search attributes — shared by `startPass` and the schedules'
 * start-workflow action (client/schedules.ts), so both start the same pass.
 */
export function passStartOptions(pipeline: PipelineConfig, opts: StartPassOptions) {
  const input = RetrainPipelineInput.safeParse({ pipeline, force: opts.force ?? false, ...(opts.trigger ? { trigger: opts.trigger } : {}) });
  if (!input.success) throw new ConfigError(`invalid pass input: ${formatIssues(input.error)}`);
  return {
    workflowType: 'retrainPipeline' as const,
    taskQueue: opts.taskQueue,
    workflowId: passWorkflowId(pipeline.model),
    args: [input.data] as [RetrainPipelineInput],
    typedSearchAttributes: [{ key: ModelNameKey, value: pipeline.model }],
    // Which config a run used, visible in the Web UI's memo: compare it with `driftloop validate`'s digest.
    memo: { configDigest: configDigest(input.data.pipeline) },
  };
}

/** Starts a `retrainPipeline` pass; refuses when one is already running for the model. */
export async function startPass(
  client: Client,
  pipeline: PipelineConfig,
  opts: StartPassOptions,
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof retrainPipeline>> {
  const { workflowType, ...start } = passStartOptions(pipeline, opts);
  const workflowId = start.workflowId;
  try {
    return await client.workflow.start<typeof retrainPipeline>(workflowType, {
      ...start,
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
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
