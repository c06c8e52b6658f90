import { WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { NotFoundError } from '../errors/index.js';
import { passWorkflowId } from '../workflows/pass-id.js';
import type { retrainPipeline } from '../workflows/retrain-pipeline.js';

/**
 * The pass a command names: a model name (its pass `retrain-NAME`) or a pass's
 * workflow id, optionally pinned to one run. Commands that act on a pass
 * (status, approve, reject) resolve their argument here.
 */
export async function resolvePass(client: Client, target: string, runId?: string): Promise<WorkflowHandle<typeof retrainPipeline>> {
  const candidates = target.startsWith('retrain-') ? [target, passWorkflowId(target)] : [passWorkflowId(target)];
  for (const id of candidates) {
    const handle = client.workflow.getHandle<typeof retrainPipeline>(id, runId);
    try {
      await handle.describe();
      return handle;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  throw new NotFoundError(`no pass "${target}"${runId ? ` with run ${runId}` : ''}: give a model name or a pass's workflow id (retrain-NAME)`, { target, runId });
}
