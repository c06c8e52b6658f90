import type { PipelineConfig } from '../config/pipeline.js';
import { matchesAny } from './glob.js';

/**
 * Which models a GitHub event asks to retrain. Pure: the webhook server
 * checks signatures, permissions and duplicates, then asks this module.
 */

/**
 * The commit a pass reports back on: named by the payload (push `after`, a
 * dispatch's `client_payload.sha`), or a branch or pull request whose head
 * the receiver asks GitHub for (dispatches and comments carry no sha).
 */
export type CommitSource = { sha: string } | { branch: string } | { pull: number };

/** Where the pass's check run, deployment and reply go. */
export interface ReportTarget {
  /** "owner/name" as GitHub spells it in the payload. */
  repository: string;
  commit: CommitSource;
  sender?: string;
  /** The issue or pull request of a `/retrain` comment. */
  issueNumber?: number;
}

export type EventDecision =
  | { kind: 'retrain'; models: PipelineConfig[]; trigger: string; target: ReportTarget }
  /** A `/retrain` comment: the commenter's permission must be checked before starting. */
  | { kind: 'retrain-if-permitted'; model: PipelineConfig; owner: string; repo: string; user: string; trigger: string; target: ReportTarget }
  | { kind: 'ignore'; reason: string };

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Pipelines configured for the repository the payload comes from (GitHub's names are case-insensitive). */
function forRepository(pipelines: readonly PipelineConfig[], payload: Json): PipelineConfig[] {
  const fullName = str(obj(payload.repository).full_name)?.toLowerCase();
  if (!fullName) return [];
  return pipelines.filter((p) => p.github?.repository.toLowerCase() === fullName);
}

/** Files a push touched: every commit's added, modified and removed paths. */
export function touchedFiles(payload: Json): string[] {
  const files = new Set<string>();
  const commits = Array.isArray(payload.commits) ? payload.commits : [];
  for (const c of [...commits, payload.head_commit]) {
    for (const key of ['added', 'modified', 'removed'] as const) {
      const list = obj(c)[key];
      if (Array.isArray(list)) for (const f of list) if (typeof f === 'string') files.add(f);
    }
  }
  return [...files];
}

const SHA = /^[0-9a-f]{40}$/;

function byName(pipelines: PipelineConfig[], name: string | undefined, where: string, target: (model: PipelineConfig) => ReportTarget): EventDecision {
  if (!name) return { kind: 'ignore', reason: `no model name in ${where}` };
  const model = pipelines.find((p) => p.model === name);
  return model ? { kind: 'retrain', models: [model], trigger: where, target: target(model) } : { kind: 'ignore', reason: `no pipeline for model "${name}" in this repository` };
}

/** The branch a ref names ("refs/heads/x" or a bare "x"); undefined for tags and other refs. */
function branchOf(ref: string | undefined): string | undefined {
  if (!ref) return undefined;
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length) || undefined;
  return ref.startsWith('refs/') ? undefined : ref;
}

/** The sender's login, when the payload names one. */
function senderOf(payload: Json): { sender?: string } {
  const login = str(obj(payload.sender).login);
  return login ? { sender: login } : {};
}

export function decide(event: string, payload: Json, pipelines: readonly PipelineConfig[]): EventDecision {
  const mine = forRepository(pipelines, payload);
  const repository = str(obj(payload.repository).full_name) ?? '';
  const defaultBranch = (p: PipelineConfig) => str(obj(payload.repository).default_branch) ?? p.github!.branch;
  if (['push', 'workflow_dispatch', 'repository_dispatch', 'issue_comment'].includes(event) && mine.length === 0) {
    return { kind: 'ignore', reason: `no pipeline is configured for repository ${JSON.stringify(str(obj(payload.repository).full_name) ?? null)}` };
  }
  switch (event) {
    case 'push': {
      if (payload.deleted === true) return { kind: 'ignore', reason: 'branch deleted' };
      const ref = str(payload.ref) ?? '';
      const files = touchedFiles(payload);
      const models = mine.filter((p) => ref === `refs/heads/${p.github!.branch}` && files.some((f) => f === p.github!.config || matchesAny(f, p.github!.paths)));
      if (models.length === 0) return { kind: 'ignore', reason: `push to ${ref || '(no ref)'} touches no configured model's paths` };
      const after = str(payload.after) ?? '';
      if (!SHA.test(after)) return { kind: 'ignore', reason: `push has no commit sha in "after" (${JSON.stringify(after)})` };
      const pusher = str(obj(payload.pusher).name);
      return { kind: 'retrain', models, trigger: `push ${after}`, target: { repository, commit: { sha: after }, ...(pusher ? { sender: pusher } : senderOf(payload)) } };
    }
    case 'workflow_dispatch':
      // The payload names the ref the workflow ran on, never its sha: the receiver resolves the branch head.
      return byName(mine, str(obj(payload.inputs).model), 'workflow_dispatch inputs.model', (p) => ({
        repository,
        commit: { branch: branchOf(str(payload.ref)) ?? defaultBranch(p) },
        ...senderOf(payload),
      }));
    case 'repository_dispatch': {
      const client = obj(payload.client_payload);
      const sha = str(client.sha);
      return byName(mine, str(client.model), 'repository_dispatch client_payload.model', (p) => ({
        repository,
        commit: sha && SHA.test(sha) ? { sha } : { branch: branchOf(str(client.ref)) ?? str(payload.branch) ?? defaultBranch(p) },
        ...senderOf(payload),
      }));
    }
    case 'issue_comment': {
      if (payload.action !== 'created') return { kind: 'ignore', reason: `comment ${str(payload.action) ?? 'event'} is not a new comment` };
      const comment = obj(payload.comment);
      const m = /^\/retrain\s+(\S+)\s*$/.exec((str(comment.body) ?? '').trim());
      if (!m) return { kind: 'ignore', reason: 'comment is not "/retrain NAME"' };
      const model = mine.find((p) => p.model === m[1]);
      if (!model) return { kind: 'ignore', reason: `no pipeline for model "${m[1]}" in this repository` };
      const [owner, repo] = model.github!.repository.split('/') as [string, string];
      const user = str(obj(comment.user).login);
      if (!user) return { kind: 'ignore', reason: 'comment has no author' };
      const issue = obj(payload.issue);
      const number = typeof issue.number === 'number' && Number.isInteger(issue.number) && issue.number > 0 ? issue.number : undefined;
      // A comment on a pull request reports on the PR's head; on an issue, on the default branch's head.
      const commit: CommitSource = number !== undefined && issue.pull_request ? { pull: number } : { branch: defaultBranch(model) };
      const target: ReportTarget = { repository, commit, sender: user, ...(number !== undefined ? { issueNumber: number } : {}) };
      return { kind: 'retrain-if-permitted', model, owner, repo, user, trigger: `/retrain by ${user}`, target };
    }
    default:
      return { kind: 'ignore', reason: `event "${event}" does not start passes` };
  }
}
