import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { batchWorkflowId, type BatchConfig } from '../config/batch.js';
import { DriftloopError } from '../errors/index.js';
import type { batchScore, BatchScoreInput } from '../workflows/batch-score.js';
import { ModelNameKey } from '../workflows/search-attributes.js';

/** A second run of a batch job while one runs: refused, naming the running one. */
export class BatchAlreadyRunningError extends DriftloopError {
  readonly code = 'BATCH_ALREADY_RUNNING';
}

/** How a `batchScore` run is started: by `driftloop batch` and, with the schedule's id, by a schedule. */
export function batchStartOptions(batch: BatchConfig, opts: { taskQueue: string; chunksPerRun?: number }) {
  const input: BatchScoreInput = { batch, ...(opts.chunksPerRun !== undefined ? { chunksPerRun: opts.chunksPerRun } : {}) };
  return {
    workflowType: 'batchScore' as const,
    workflowId: batchWorkflowId(batch),
    taskQueue: opts.taskQueue,
    args: [input] as [BatchScoreInput],
    typedSearchAttributes: [{ key: ModelNameKey, value: batch.model }],
  };
}

/** Starts a batch run; one run per job at a time (the workflow id is `batch-<name>`). */
export async function startBatch(
  client: Client,
  batch: BatchConfig,
  opts: { taskQueue: string; chunksPerRun?: number },
): Promise<WorkflowHandleWithFirstExecutionRunId<typeof batchScore>> {
  const { workflowType, ...start } = batchStartOptions(batch, opts);
  try {
    return await client.workflow.start<typeof batchScore>(workflowType, start);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      throw new BatchAlreadyRunningError(`batch "${start.workflowId}" is already running; wait for it or cancel it first`, { workflowId: start.workflowId });
    }
    throw err;
  }
}
