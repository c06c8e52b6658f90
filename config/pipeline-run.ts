import { z } from 'zod';
import { PipelineConfig } from './pipeline.js';

/**
 * Where a GitHub-triggered pass reports back: the commit to put a check run
 * on, and for `/retrain` comments the issue or pull request to answer.
 */
export const GithubTrigger = z.strictObject({
  kind: z.literal('github'),
  /** "owner/name". */
  repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/),
  /** The commit the check run goes on. */
  sha: z.string().regex(/^[0-9a-f]{40}$/),
  /** The webhook event that started the pass (push, workflow_dispatch, repository_dispatch, issue_comment). */
  event: z.string().min(1),
  /** X-GitHub-Delivery of the webhook. */
  deliveryId: z.string().min(1),
  /** Issue or pull-request number of a `/retrain` comment, answered when the pass ends. */
  issueNumber: z.number().int().positive().optional(),
  /** Who asked (the commenter or the pusher). */
  sender: z.string().min(1).optional(),
});
export type GithubTrigger = z.infer<typeof GithubTrigger>;

/** What started a pass; only GitHub triggers are reported back to. */
export const PassTrigger = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('manual') }),
  z.strictObject({ kind: z.literal('schedule'), scheduleId: z.string().min(1) }),
  GithubTrigger,
]);
export type PassTrigger = z.infer<typeof PassTrigger>;

/** Input of the `retrainPipeline` workflow: shared by the CLI, schedules and the GitHub receiver. */
export const RetrainPipelineInput = z.strictObject({
  pipeline: PipelineConfig,
  /** Retrain even when neither drift nor a metric drop calls for it. */
  force: z.boolean().default(false),
  /** Absent in runs started before triggers were recorded. */
  trigger: PassTrigger.optional(),
});
export type RetrainPipelineInput = z.infer<typeof RetrainPipelineInput>;
export type RetrainPipelineInputRaw = z.input<typeof RetrainPipelineInput>;
