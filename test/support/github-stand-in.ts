import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for GitHub's REST API: the endpoints driftloop calls, with
 * GitHub's paths, status codes and response shapes (docs.github.com/rest:
 * collaborators, checks/runs, issues/comments, deployments and their
 * statuses). It records every call and can fail the next N calls with a 5xx
 * or a 403 rate limit, for retry tests. The shapes carry the fields GitHub
 * documents as required for these responses; they are not complete copies.
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
  private readonly checkRuns = new Map<number, Record<string, unknown>>();
  private readonly deployments = new Map<number, Record<string, unknown>>();
  private server?: Server;
  url = '';

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
    const path = new URL(req.url ?? '/', 'http://x').pathname;
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
    this.route(req.method ?? '', path, (body ?? {}) as Record<string, unknown>, res);
  }

  private route(method: string, path: string, body: Record<string, unknown>, res: ServerResponse): void {
    let m: RegExpMatchArray | null;
    const repoUrl = (o: string, r: string) => `${this.url}/repos/${o}/${r}`;
    if (method === 'GET' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/collaborators\/([^/]+)\/permission$/))) {
      const login = decodeURIComponent(m[3]!);
      const permission = this.permissions.get(login) ?? 'none';
      return send(res, 200, { permission, role_name: permission, user: user(login, this.url) });
    }
    if (method === 'POST' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/check-runs$/))) {
      if (typeof body.name !== 'string' || typeof body.head_sha !== 'string') return invalid(res, 'name and head_sha are required');
      const id = this.nextId++;
      const run: Record<string, unknown> = {
        id,
        head_sha: body.head_sha,
        node_id: `CR_${id}`,
        external_id: body.external_id ?? '',
        url: `${repoUrl(m[1]!, m[2]!)}/check-runs/${id}`,
        html_url: `https://github.com/${m[1]}/${m[2]}/runs/${id}`,
        details_url: body.details_url ?? null,
        status: body.status ?? 'queued',
        conclusion: body.conclusion ?? null,
        started_at: new Date().toISOString(),
        completed_at: null,
        output: { title: null, summary: null, text: null, annotations_count: 0, annotations_url: '', ...(body.output as object) },
        name: body.name,
        check_suite: { id: 1 },
        app: null,
        pull_requests: [],
      };
      this.checkRuns.set(id, run);
      return send(res, 201, run);
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
      return send(res, 200, run);
    }
    if (method === 'POST' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/))) {
      if (typeof body.body !== 'string') return invalid(res, 'body is required');
      const id = this.nextId++;
      const now = new Date().toISOString();
      return send(res, 201, {
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
      });
    }
    if (method === 'POST' && (m = path.match(/^\/repos\/([^/]+)\/([^/]+)\/deployments$/))) {
      if (typeof body.ref !== 'string') return invalid(res, 'ref is required');
      const id = this.nextId++;
      const now = new Date().toISOString();
      const dep = {
        url: `${repoUrl(m[1]!, m[2]!)}/deployments/${id}`,
        id,
        node_id: `DE_${id}`,
        sha: '0'.repeat(40),
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
      return send(res, 201, {
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
      });
    }
    return notFound(res);
  }
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
