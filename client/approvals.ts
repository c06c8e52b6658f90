import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { DriftloopError } from '../errors/index.js';
import { approveUpdate, rejectUpdate, type ApprovalAnswer, type ApprovalState } from '../workflows/approval.js';
import { rootMessage } from './pass.js';
import { resolvePass } from './pass-target.js';

/** The pass refused the answer: no candidate waits, or the answer named another version. */
export class ApprovalRefusedError extends DriftloopError {
  readonly code = 'APPROVAL_REFUSED';
}

export interface AnswerApprovalOptions {
  /** Model name or pass workflow id. */
  target: string;
  runId?: string;
  answer: ApprovalAnswer;
}

/**
 * Sends `approve` or `reject` to a pass waiting under policy `manual` and
 * returns the approval as the pass recorded it. A Workflow Update, so the
 * answer is accepted or refused synchronously: a refusal (nothing waits,
 * wrong version, pass finished) is an ApprovalRefusedError with the pass's
 * own reason.
 */
export async function answerApproval(client: Client, kind: 'approve' | 'reject', opts: AnswerApprovalOptions): Promise<ApprovalState> {
  const handle = await resolvePass(client, opts.target, opts.runId);
  const described = await handle.describe();
  if (described.status.name !== 'RUNNING') {
    throw new ApprovalRefusedError(`pass ${handle.workflowId} (run ${described.runId}) has finished (${described.status.name.toLowerCase()}); nothing waits for approval`, {
      workflowId: handle.workflowId,
      runId: described.runId,
    });
  }
  try {
    return await handle.executeUpdate(kind === 'approve' ? approveUpdate : rejectUpdate, { args: [opts.answer] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new ApprovalRefusedError(`pass ${handle.workflowId} refused "${kind}": ${rootMessage(err)}`, { workflowId: handle.workflowId, runId: described.runId });
    }
    throw err;
  }
}
