import { z } from 'zod';

/**
 * The per-pipeline `github:` section: which repository and branch trigger
 * this model, and which files are "its" training code. Pure (no Node APIs):
 * it is part of the workflow's input schema.
 */
export const GithubSettings = z.strictObject({
  repository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be "owner/repo"').describe("\"owner/repo\" as GitHub spells it (matched case-insensitively, as GitHub does)."),
  branch: z.string().min(1).default('main').describe('Pushes to this branch trigger a forced pass.'),
  paths: z.array(z.string().min(1)).default([]).describe("Repository-relative globs (`*` within a path segment, `**` across segments) of the model's training code."),
  config: z.string().min(1).optional().describe('Repository-relative path of this config file: a push touching it also triggers a pass.'),
});
export type GithubSettings = z.infer<typeof GithubSettings>;
