import type { PipelineConfig } from '../config/pipeline.js';
import { matchesAny } from './glob.js';

/**
 * Which models a GitHub event asks to retrain. Pure: the webhook server
 * checks signatures, permissions and duplicates, then asks this module.
 */

export type EventDecision =
  | { kind: 'retrain'; models: PipelineConfig[]; trigger: string }
  /** A `/retrain` comment: the commenter's permission must be checked before starting. */
  | { kind: 'retrain-if-permitted'; model: PipelineConfig; owner: string; repo: string; user: string; trigger: string }
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

function byName(pipelines: PipelineConfig[], name: string | undefined, where: string): EventDecision {
  if (!name) return { kind: 'ignore', reason: `no model name in ${where}` };
  const model = pipelines.find((p) => p.model === name);
  return model ? { kind: 'retrain', models: [model], trigger: where } : { kind: 'ignore', reason: `no pipeline for model "${name}" in this repository` };
}

export function decide(event: string, payload: Json, pipelines: readonly PipelineConfig[]): EventDecision {
  const mine = forRepository(pipelines, payload);
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
      return { kind: 'retrain', models, trigger: `push ${str(payload.after) ?? ''}`.trim() };
    }
    case 'workflow_dispatch':
      return byName(mine, str(obj(payload.inputs).model), 'workflow_dispatch inputs.model');
    case 'repository_dispatch':
      return byName(mine, str(obj(payload.client_payload).model), 'repository_dispatch client_payload.model');
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
      return { kind: 'retrain-if-permitted', model, owner, repo, user, trigger: `/retrain by ${user}` };
    }
    default:
      return { kind: 'ignore', reason: `event "${event}" does not start passes` };
  }
}
