import { defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';

/**
 * Manual promotion: a pass whose policy is `manual` waits, on a durable
 * timer, for one of these Workflow Updates (`driftloop approve|reject`).
 * Updates rather than signals because the sender must learn whether its
 * answer counted: the validator refuses an answer when no candidate waits.
 */

export const ApprovalAnswer = z.strictObject({
  /** Who answered (recorded in the pass summary and the alias move's audit). */
  by: z.string().trim().min(1).max(200),
  comment: z.string().max(2000).optional(),
  /** When given, the answer only counts for this candidate version (a stale `approve` cannot promote a newer one). */
  version: z.number().int().positive().optional(),
});
export type ApprovalAnswer = z.infer<typeof ApprovalAnswer>;

export type ApprovalState =
  | { status: 'waiting'; candidate: number; since: string; deadline: string }
  | { status: 'approved' | 'rejected'; candidate: number; by: string; comment?: string; at: string }
  | { status: 'timed-out'; candidate: number; deadline: string };

export const approveUpdate = defineUpdate<ApprovalState, [ApprovalAnswer]>('approve');
export const rejectUpdate = defineUpdate<ApprovalState, [ApprovalAnswer]>('reject');
