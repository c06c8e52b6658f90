import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for GitHub's REST API: the endpoints driftloop calls, with
 * GitHub's paths, status codes and response shapes (docs.github.com/rest:
 * collaborators, branches, pulls, checks/runs (create, update, list for a
 * ref), issues/comments (create, list), deployments and their statuses
 * (create, list)). It records every call and can fail the next N calls with
 * a 5xx or a 403 rate limit, for retry tests. Lists are paginated as GitHub
 * does (`per_page`, `page`, a `Link: <…>; rel="next"` header). The shapes
 * carry the fields GitHub documents as required for these responses; they
 * are not complete copies.
 */

export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
  authorization: string | undefined;
}

export type Failure = { kind: 'server-error'; status?: number } | { kind: 'rate-limit'; retryAfterSeconds?: number };

const DOCS = 'https://docs.github.com/rest';

export class GithubStandIn {
  readonly calls: RecordedCall[] = [];
  /** username → permission; anyone else is "none" (GitHub answers 200 with "none" for a non-collaborator of a public repo). */
  readonly permissions = new Map<string, string>();
  private failures: Failure[] = [];
  private nextId = 1000;
  /** Every check run, deployment, deployment status and issue comment created, by id (inspected by tests). */
  readonly checkRuns = new Map<number, Record<string, unknown>>();
  readonly deployments = new Map<number, Record<string, unknown>>();
  readonly deploymentStatuses = new Map<number, Record<string, unknown>[]>();
  readonly comments = new Map<number, Record<string, unknown>>();
  /** "owner/repo:branch" → head sha, and "owner/repo#number" → pull request head sha (set by tests). */
  readonly branches = new Map<string, string>();
  readonly pulls = new Map<string, string>();
  private server?: Server;
  url = '';

  setBranch(repository: string, branch: string, sha: string): void {
    this.branches.set(`${repository.toLowerCase()}:${branch}`, sha);
  }

  setPull(repository: string, number: number, headSha: string): void {
    this.pulls.set(`${repository.toLowerCase()}#${number}`, headSha);
  }

  /** The check runs created on a commit, oldest first. */
  checkRunsOn(sha: string): Record<string, unknown>[] {
    return [...this.checkRuns.values()].filter((r) => r.head_sha === sha);
  }

  /** The comments on an issue or pull request, oldest first. */
  commentsOn(issueNumber: number): Record<string, unknown>[] {
    return [...this.comments.values()].filter((c) => String(c.issue_url).endsWith(`/issues/${issueNumber}`));
  }

  /** Repositories the token cannot see: GitHub answers 404 Not Found for every call under them. */
  readonly hidden = new Set<string>();

  /** The next `count` calls fail this way (after authentication). */
  failNext(count: number, failure: Failure): void {
    for (let i = 0; i < count; i++) this.failures.push(failure);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return send(res, 400, { message: 'Problems parsing JSON', documentation_url: DOCS });
      }
    }
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    const authorization = req.headers.authorization;
    this.calls.push({ method: req.method ?? '', path, body, authorization });
    if (!authorization || !/^(Bearer|token) \S+$/.test(authorization)) {
      return send(res, 401, { message: 'Requires authentication', documentation_url: DOCS });
    }
    const failure = this.failures.shift();
    if (failure?.kind === 'server-error') return send(res, failure.status ?? 502, { message: 'Server Error' });
    if (failure?.kind === 'rate-limit') {
      const reset = Math.floor(Date.now() / 1000) + (failure.retryAfterSeconds ?? 60);
      return send(res, 403, { message: 'API rate limit exceeded', documentation_url: `${DOCS}/overview/resources-in-the-rest-api#rate-limiting` }, {
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-used': '5000',
        'x-ratelimit-reset': String(reset),
        'retry-after': String(failure.retryAfterSeconds ?? 60),
      });
    }
    this.route(req.method ?? '', path, url.searchParams, (body ?? {}) as Record<string, unknown>, res);
  }

  /** One page of `items` as GitHub paginates lists: `per_page` (default 30, at most 100), `page`, and a Link header to the next page. */
  private page(res: ServerResponse, path: string, query: URLSearchParams, items: unknown[], wrap?: (page: unknown[]) => unknown): void {
    const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < items.length) {
      const next = new URLSearchParams(query);
      next.set('page', String(page + 1));
      next.set('per_page', String(perPage));
      headers.link = `<${this.url}${path}?${next}>; rel="next"`;
    }
    send(res, 200, wrap ? wrap(slice) : slice, headers);
  }

  private route(method: string, path: string, query: URLSearchParams, body: Record<string, unknown>, res: ServerResponse): void {
    let m: RegExpMatchArray | null;
    if ((m = path.match(/^\/repos\/([^/]+)\/([^/]+)/)) && this.hidden.has(`${m[1]}/${m[2]}`.toLowerCase())) return notFound(res);
    const repoUrl = (o: string, r: string) => `${this.url}/repos/${o}/${r}`;
    if (method === 'GET' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/branches\/(.+)$/))) {
      const name = decodeURIComponent(m[3]!);
      const sha = this.branches.get(`${m[1]!.toLowerCase()}/${m[2]!.toLowerCase()}:${name}`);
      if (!sha) return send(res, 404, { message: 'Branch not found', documentation_url: `${DOCS}/branches/branches#get-a-branch` });
      return send(res, 200, { name, commit: { sha, url: `${repoUrl(m[1]!, m[2]!)}/commits/${sha}` }, protected: false, _links: { self: `${repoUrl(m[1]!, m[2]!)}/branches/${name}`, html: `https://github.com/${m[1]}/${m[2]}/tree/${name}` } });
    }
    if (method === 'GET' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/))) {
      const sha = this.pulls.get(`${m[1]!.toLowerCase()}/${m[2]!.toLowerCase()}#${m[3]}`);
      if (!sha) return notFound(res);
      const n = Number(m[3]);
      return send(res, 200, { id: n, number: n, state: 'open', url: `${repoUrl(m[1]!, m[2]!)}/pulls/${n}`, html_url: `https://github.com/${m[1]}/${m[2]}/pull/${n}`, head: { sha, ref: `pr-${n}` }, base: { ref: 'main' } });
    }
    if (method === 'GET' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/check-runs$/))) {
      const ref = decodeURIComponent(m[3]!);
      let runs = [...this.checkRuns.values()].filter((r) => r.head_sha === ref && r.repository === `${m![1]}/${m![2]}`.toLowerCase());
      const name = query.get('check_name');
      if (name) runs = runs.filter((r) => r.name === name);
      // filter=latest (GitHub's default) keeps the most recent check run of each name.
      if ((query.get('filter') ?? 'latest') === 'latest') runs = runs.filter((r) => !runs.some((o) => o.name === r.name && (o.id as number) > (r.id as number)));
      runs = runs.sort((a, b) => (b.id as number) - (a.id as number));
      return this.page(res, path, query, runs.map(publicRun), (p) => ({ total_count: runs.length, check_runs: p }));
    }
    if (method === 'GET' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/deployments$/))) {
      let deps = [...this.deployments.values()].filter((d) => d.repository_url === repoUrl(m![1]!, m![2]!));
      for (const key of ['sha', 'ref', 'task', 'environment'] as const) {
        const v = query.get(key);
        if (v) deps = deps.filter((d) => d[key] === v);
      }
      return this.page(res, path, query, deps.sort((a, b) => (b.id as number) - (a.id as number)));
    }
    if (method === 'GET' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/))) {
      if (!this.deployments.has(Number(m[3]))) return notFound(res);
      return this.page(res, path, query, [...(this.deploymentStatuses.get(Number(m[3])) ?? [])].reverse());
    }
    if (method === 'GET' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/))) {
      const issueUrl = `${repoUrl(m[1]!, m[2]!)}/issues/${m[3]}`;
      return this.page(res, path, query, [...this.comments.values()].filter((c) => c.issue_url === issueUrl));
    }
    if (method === 'GET' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/))) {
      const login = decodeURIComponent(m[3]!);
      const permission = this.permissions.get(login) ?? 'none';
      return send(res, 200, { permission, role_name: permission, user: user(login, this.url) });
    }
    if (method === 'POST' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/check-runs$/))) {
      if (typeof body.name !== 'string' || typeof body.head_sha !== 'string') return invalid(res, 'name and head_sha are required');
      if (body.conclusion && body.status && body.status !== 'completed') return invalid(res, 'conclusion requires status completed');
      const id = this.nextId++;
      const run: Record<string, unknown> = {
        id,
        head_sha: body.head_sha,
        node_id: `CR_${id}`,
        external_id: body.external_id ?? '',
        url: `${repoUrl(m[1]!, m[2]!)}/check-runs/${id}`,
        html_url: `https://github.com/${m[1]}/${m[2]}/runs/${id}`,
        details_url: body.details_url ?? null,
        // Providing a conclusion sets the status to completed (GitHub's "Create a check run").
        status: body.conclusion ? 'completed' : (body.status ?? 'queued'),
        conclusion: body.conclusion ?? null,
        started_at: new Date().toISOString(),
        completed_at: body.conclusion ? new Date().toISOString() : null,
        output: { title: null, summary: null, text: null, annotations_count: 0, annotations_url: '', ...(body.output as object) },
        name: body.name,
        check_suite: { id: 1 },
        app: null,
        pull_requests: [],
        // Not part of GitHub's answer (publicRun drops it): which repository the run belongs to.
        repository: `${m[1]}/${m[2]}`.toLowerCase(),
      };
      this.checkRuns.set(id, run);
      return send(res, 201, publicRun(run));
    }
    if (method === 'PATCH' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/check-runs\/(\d+)$/))) {
      const run = this.checkRuns.get(Number(m[3]));
      if (!run) return notFound(res);
      if (body.conclusion && body.status && body.status !== 'completed') return invalid(res, 'conclusion requires status completed');
      for (const k of ['name', 'details_url', 'external_id', 'status', 'conclusion'] as const) if (k in body) run[k] = body[k];
      if (body.conclusion) {
        run.status = 'completed';
        run.completed_at = new Date().toISOString();
      }
      if (body.output) run.output = { ...(run.output as object), ...(body.output as object) };
      return send(res, 200, publicRun(run));
    }
    if (method === 'POST' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/))) {
      if (typeof body.body !== 'string') return invalid(res, 'body is required');
      const id = this.nextId++;
      const now = new Date().toISOString();
      const comment = {
        id,
        node_id: `IC_${id}`,
        url: `${repoUrl(m[1]!, m[2]!)}/issues/comments/${id}`,
        html_url: `https://github.com/${m[1]}/${m[2]}/issues/${m[3]}#issuecomment-${id}`,
        issue_url: `${repoUrl(m[1]!, m[2]!)}/issues/${m[3]}`,
        body: body.body,
        user: user('driftloop[bot]', this.url),
        created_at: now,
        updated_at: now,
        author_association: 'NONE',
      };
      this.comments.set(id, comment);
      return send(res, 201, comment);
    }
    if (method === 'POST' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/deployments$/))) {
      if (typeof body.ref !== 'string') return invalid(res, 'ref is required');
      const id = this.nextId++;
      const now = new Date().toISOString();
      const dep = {
        url: `${repoUrl(m[1]!, m[2]!)}/deployments/${id}`,
        id,
        node_id: `DE_${id}`,
        // GitHub resolves ref to the commit it names: a sha names itself, a branch its head.
        sha: /^[0-9a-f]{40}$/.test(body.ref) ? body.ref : (this.branches.get(`${m[1]!.toLowerCase()}/${m[2]!.toLowerCase()}:${body.ref}`) ?? '0'.repeat(40)),
        ref: body.ref,
        task: body.task ?? 'deploy',
        payload: body.payload ?? {},
        original_environment: body.environment ?? 'production',
        environment: body.environment ?? 'production',
        description: body.description ?? null,
        creator: user('driftloop[bot]', this.url),
        created_at: now,
        updated_at: now,
        statuses_url: `${repoUrl(m[1]!, m[2]!)}/deployments/${id}/statuses`,
        repository_url: repoUrl(m[1]!, m[2]!),
      };
      this.deployments.set(id, dep);
      return send(res, 201, dep);
    }
    if (method === 'POST' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/))) {
      const dep = this.deployments.get(Number(m[3]));
      if (!dep) return notFound(res);
      const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
      if (!states.includes(String(body.state))) return invalid(res, `state must be one of ${states.join(', ')}`);
      const id = this.nextId++;
      const now = new Date().toISOString();
      const status = {
        url: `${dep.url}/statuses/${id}`,
        id,
        node_id: `DES_${id}`,
        state: body.state,
        creator: user('driftloop[bot]', this.url),
        description: body.description ?? '',
        environment: dep.environment,
        target_url: body.log_url ?? '',
        log_url: body.log_url ?? '',
        environment_url: body.environment_url ?? '',
        created_at: now,
        updated_at: now,
        deployment_url: dep.url,
        repository_url: dep.repository_url,
      };
      this.deploymentStatuses.set(dep.id as number, [...(this.deploymentStatuses.get(dep.id as number) ?? []), status]);
      return send(res, 201, status);
    }
    return notFound(res);
  }
}

/** A check run as GitHub answers it (without the stand-in's own bookkeeping). */
function publicRun(run: Record<string, unknown>): Record<string, unknown> {
  const { repository: _repository, ...rest } = run;
  return rest;
}

function user(login: string, base: string) {
  return { login, id: login.length, node_id: `U_${login}`, type: login.endsWith('[bot]') ? 'Bot' : 'User', site_admin: false, url: `${base}/users/${login}` };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

function notFound(res: ServerResponse): void {
  send(res, 404, { message: 'Not Found', documentation_url: DOCS });
}

/** GitHub's 422 "Validation Failed" shape. */
function invalid(res: ServerResponse, message: string): void {
  send(res, 422, { message: 'Validation Failed', errors: [{ message }], documentation_url: DOCS });
}
