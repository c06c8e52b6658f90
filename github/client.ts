import { Octokit } from '@octokit/rest';
import { ConfigError } from '../errors/index.js';

/**
 * driftloop's GitHub REST calls, through octokit. The token comes from
 * DRIFTLOOP_GITHUB_TOKEN and is never logged (octokit's logger is silenced:
 * its debug lines could carry request options). Retries are NOT done here:
 * the callers are activities, whose retry policy owns that decision.
 */

export const DEFAULT_GITHUB_API = 'https://api.github.com';

/** A repository collaborator's permission, as GitHub's "Get repository permissions for a user" returns it. */
export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

/** Permissions that may start a pass with a `/retrain` comment. */
export const CAN_TRIGGER: ReadonlySet<string> = new Set(['admin', 'maintain', 'write']);

export interface GithubClientOptions {
  token: string;
  /** REST API root: the stand-in in tests, GitHub Enterprise's `/api/v3`, or api.github.com. */
  baseUrl?: string;
}

export interface RepoRef {
  owner: string;
  repo: string;
}

export type CheckRunStatus = 'queued' | 'in_progress' | 'completed';
export type CheckRunConclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';
export interface CheckRunOutput {
  title: string;
  summary: string;
  text?: string;
}

export type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

/** Reads the client's settings from the environment; a missing token is a one-line ConfigError. */
export function githubClientOptions(env: NodeJS.ProcessEnv = process.env): GithubClientOptions {
  const token = env.DRIFTLOOP_GITHUB_TOKEN;
  if (!token) throw new ConfigError('DRIFTLOOP_GITHUB_TOKEN is not set (a GitHub token that can read collaborators)', { field: 'DRIFTLOOP_GITHUB_TOKEN' });
  return { token, baseUrl: env.DRIFTLOOP_GITHUB_API_URL || DEFAULT_GITHUB_API };
}

export class GithubClient {
  private readonly octokit: Octokit;

  constructor(opts: GithubClientOptions) {
    const silent = () => {};
    this.octokit = new Octokit({
      auth: opts.token,
      baseUrl: (opts.baseUrl ?? DEFAULT_GITHUB_API).replace(/\/+$/, ''),
      userAgent: 'driftloop',
      log: { debug: silent, info: silent, warn: silent, error: silent },
    });
  }

  /** The user's permission on the repository ("none" for a non-collaborator, as GitHub answers). */
  async permissionOf(owner: string, repo: string, username: string): Promise<Permission> {
    const res = await this.octokit.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username });
    return res.data.permission as Permission;
  }

  /** The commit a branch points at now (GitHub's "Get a branch"). */
  async branchHeadSha(ref: RepoRef, branch: string): Promise<string> {
    const res = await this.octokit.rest.repos.getBranch({ ...ref, branch });
    return res.data.commit.sha;
  }

  /** The head commit of a pull request (GitHub's "Get a pull request"). */
  async pullHeadSha(ref: RepoRef, pullNumber: number): Promise<string> {
    const res = await this.octokit.rest.pulls.get({ ...ref, pull_number: pullNumber });
    return res.data.head.sha;
  }

  /** The check run named `name` on `sha` whose external_id is `externalId`, if one exists (every page, every completion state). */
  async findCheckRun(ref: RepoRef, sha: string, args: { name: string; externalId: string }): Promise<{ id: number; htmlUrl: string | null; status: string } | null> {
    const runs = await this.octokit.paginate(this.octokit.rest.checks.listForRef, { ...ref, ref: sha, check_name: args.name, filter: 'all', per_page: 100 });
    const run = runs.find((r) => r.external_id === args.externalId);
    return run ? { id: run.id, htmlUrl: run.html_url, status: run.status } : null;
  }

  async createCheckRun(ref: RepoRef, args: { name: string; headSha: string; status?: CheckRunStatus; conclusion?: CheckRunConclusion; detailsUrl?: string; externalId?: string; output?: CheckRunOutput }): Promise<{ id: number; htmlUrl: string | null }> {
    const res = await this.octokit.rest.checks.create({
      ...ref,
      name: args.name,
      head_sha: args.headSha,
      ...(args.status ? { status: args.status } : {}),
      ...(args.conclusion ? { conclusion: args.conclusion } : {}),
      ...(args.detailsUrl ? { details_url: args.detailsUrl } : {}),
      ...(args.externalId ? { external_id: args.externalId } : {}),
      ...(args.output ? { output: args.output } : {}),
    });
    return { id: res.data.id, htmlUrl: res.data.html_url };
  }

  async updateCheckRun(ref: RepoRef, checkRunId: number, args: { status?: CheckRunStatus; conclusion?: CheckRunConclusion; output?: CheckRunOutput; detailsUrl?: string }): Promise<{ id: number; status: string; conclusion: string | null; htmlUrl: string | null }> {
    const res = await this.octokit.rest.checks.update({
      ...ref,
      check_run_id: checkRunId,
      ...(args.status ? { status: args.status } : {}),
      ...(args.conclusion ? { conclusion: args.conclusion } : {}),
      ...(args.output ? { output: args.output } : {}),
      ...(args.detailsUrl ? { details_url: args.detailsUrl } : {}),
    });
    return { id: res.data.id, status: res.data.status, conclusion: res.data.conclusion, htmlUrl: res.data.html_url };
  }

  async createIssueComment(ref: RepoRef, issueNumber: number, body: string): Promise<{ id: number; htmlUrl: string }> {
    const res = await this.octokit.rest.issues.createComment({ ...ref, issue_number: issueNumber, body });
    return { id: res.data.id, htmlUrl: res.data.html_url };
  }

  /** The first comment on the issue or pull request whose body contains `marker` (every page), if any. */
  async findIssueComment(ref: RepoRef, issueNumber: number, marker: string): Promise<{ id: number; htmlUrl: string } | null> {
    const comments = await this.octokit.paginate(this.octokit.rest.issues.listComments, { ...ref, issue_number: issueNumber, per_page: 100 });
    const c = comments.find((x) => (x.body ?? '').includes(marker));
    return c ? { id: c.id, htmlUrl: c.html_url } : null;
  }

  /** Deployments of `sha` to `environment` whose payload satisfies `match` (GitHub returns payload as an object or a JSON string). */
  async findDeployments(ref: RepoRef, args: { sha: string; environment: string; match: (payload: Record<string, unknown>) => boolean }): Promise<{ id: number }[]> {
    const deps = await this.octokit.paginate(this.octokit.rest.repos.listDeployments, { ...ref, sha: args.sha, environment: args.environment, per_page: 100 });
    return deps.filter((d) => args.match(payloadObject(d.payload))).map((d) => ({ id: d.id }));
  }

  /** The states of a deployment's statuses, newest first (as GitHub lists them). */
  async deploymentStates(ref: RepoRef, deploymentId: number): Promise<string[]> {
    const statuses = await this.octokit.paginate(this.octokit.rest.repos.listDeploymentStatuses, { ...ref, deployment_id: deploymentId, per_page: 100 });
    return statuses.map((s) => s.state);
  }

  /** A deployment of `ref` to `environment` (driftloop uses the model name); auto_merge off: a model promotion is not a merge. */
  async createDeployment(ref: RepoRef, args: { ref: string; environment: string; description?: string; payload?: Record<string, unknown> }): Promise<{ id: number }> {
    const res = await this.octokit.rest.repos.createDeployment({
      ...ref,
      ref: args.ref,
      environment: args.environment,
      auto_merge: false,
      required_contexts: [],
      ...(args.description ? { description: args.description } : {}),
      ...(args.payload ? { payload: args.payload } : {}),
    });
    // 202 means GitHub merged the default branch instead of deploying; we disable auto_merge, so only 201 carries an id.
    if (!('id' in res.data)) throw new Error(`GitHub did not create the deployment: ${res.data.message ?? 'no id in the answer'}`);
    return { id: res.data.id };
  }

  async createDeploymentStatus(ref: RepoRef, deploymentId: number, args: { state: DeploymentState; description?: string; logUrl?: string; environmentUrl?: string }): Promise<{ id: number; state: string }> {
    const res = await this.octokit.rest.repos.createDeploymentStatus({
      ...ref,
      deployment_id: deploymentId,
      state: args.state,
      ...(args.description ? { description: args.description } : {}),
      ...(args.logUrl ? { log_url: args.logUrl } : {}),
      ...(args.environmentUrl ? { environment_url: args.environmentUrl } : {}),
    });
    return { id: res.data.id, state: res.data.state };
  }
}

function payloadObject(p: unknown): Record<string, unknown> {
  if (typeof p === 'string') {
    try {
      const v: unknown = JSON.parse(p);
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  return p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
}
