import { Webhooks } from '@octokit/webhooks';
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { GithubTrigger } from '../config/pipeline-run.js';
import type { PipelineConfig } from '../config/pipeline.js';
import type { Logger } from '../logging/logger.js';
import { DriftloopError, NotFoundError } from '../errors/index.js';
import { DEFAULT_BODY_LIMITS, limitOptions, type HttpTimeouts } from '../serving/http-limits.js';
import { CAN_TRIGGER } from './client.js';
import type { DeliveryLog } from './deliveries.js';
import { decide, type CommitSource, type ReportTarget } from './events.js';

/**
 * `driftloop github serve`'s HTTP side: one POST endpoint for GitHub
 * webhooks. Order matters: the signature is checked over the raw body bytes
 * before anything is parsed or looked up, so an unsigned request costs a
 * hash and nothing else; duplicates are answered before any side effect.
 */

export interface StartedPass {
  workflowId: string;
  runId: string;
}

export interface WebhookServerDeps {
  secret: string;
  /** The pipeline configs, read per delivery so a changed config is picked up without a restart. */
  pipelines: () => Promise<PipelineConfig[]>;
  /** Starts a forced pass reporting back to `trigger`; throws an error with `details.runId` when one is already running (client/pass.ts PassAlreadyRunningError). */
  startPass: (pipeline: PipelineConfig, trigger: GithubTrigger) => Promise<StartedPass>;
  /** The commenter's permission on the repository (GitHub's collaborator permission). */
  permissionOf: (owner: string, repo: string, user: string) => Promise<string>;
  /** The head commit of a branch or a pull request, for events whose payload names no sha (GitHub's "get a branch" / "get a pull request"). */
  headSha: (owner: string, repo: string, source: Exclude<CommitSource, { sha: string }>) => Promise<string>;
  deliveries: DeliveryLog;
  /** Largest accepted body; GitHub caps payloads at 25 MB. */
  bodyLimit?: number;
  /** Connection, request and keep-alive timeouts (defaults in serving/http-limits.ts). */
  timeouts?: Partial<HttpTimeouts>;
  /** The process's logger (logging/logger.ts); each line carries the delivery id as its requestId. None by default. */
  logger?: Logger;
}

export type PassResult = { model: string; started: true; workflowId: string; runId: string } | { model: string; started: false; reason: string; runId?: string };

export const WEBHOOK_PATH = '/webhook';

const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function buildWebhookServer(deps: WebhookServerDeps): FastifyInstance {
  const webhooks = new Webhooks({ secret: deps.secret });
  const app = Fastify({ ...loggerOptions(deps.logger), ...limitOptions(deps.bodyLimit ?? DEFAULT_BODY_LIMITS.webhook, deps.timeouts) });
  const inFlight = new Set<string>();

  // Keep the bytes exactly as sent: the HMAC is over them, not over a re-serialisation.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/x-www-form-urlencoded'], { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    return reply.code(status).send({ error: status === 415 ? 'content type must be application/json or application/x-www-form-urlencoded' : err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url}; GitHub webhooks go to POST ${WEBHOOK_PATH}` }));

  app.addHook('onResponse', async (req, reply) => {
    req.log.info({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, event: header(req.headers['x-github-event']) ?? null }, 'request completed');
  });

  app.get('/healthz', async () => ({ ok: true }));

  app.post(WEBHOOK_PATH, async (req, reply) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.headers['x-hub-signature-256'];
    if (typeof signature !== 'string' || !signature) return reply.code(401).send({ error: 'missing X-Hub-Signature-256 header' });
    let valid = false;
    try {
      valid = await webhooks.verify(raw.toString('utf8'), signature);
    } catch {
      valid = false; // a malformed signature header is just a wrong one
    }
    if (!valid) req.log.warn({ delivery: header(req.headers['x-github-delivery']) ?? null }, 'X-Hub-Signature-256 does not match: delivery refused');
    if (!valid) return reply.code(401).send({ error: 'X-Hub-Signature-256 does not match the body and the webhook secret' });

    const event = header(req.headers['x-github-event']);
    const delivery = header(req.headers['x-github-delivery']);
    if (!event) return reply.code(400).send({ error: 'missing X-GitHub-Event header' });
    if (!delivery) return reply.code(400).send({ error: 'missing X-GitHub-Delivery header' });
    // Delivery ids are GUIDs; they are kept one per line in the delivery log, so nothing else gets in.
    if (!DELIVERY_ID.test(delivery)) return reply.code(400).send({ error: 'X-GitHub-Delivery must be 1-128 of A-Z, a-z, 0-9, ".", "_", ":" or "-"' });
    const payload = parsePayload(raw, header(req.headers['content-type']) ?? '');
    if (typeof payload === 'string') return reply.code(400).send({ error: payload });

    if (deps.deliveries.has(delivery) || inFlight.has(delivery)) return reply.code(200).send({ delivery, duplicate: true, started: false, reason: 'duplicate delivery' });
    inFlight.add(delivery);
    try {
      const answer = await handle(event, payload, delivery);
      // Only answered deliveries are remembered: one that failed (Temporal or GitHub down) may be redelivered and tried again.
      await deps.deliveries.add(delivery);
      req.log.info({ delivery, event, passes: answer.passes, ...(answer.reason ? { reason: answer.reason } : {}) }, `${delivery} ${event}: ${answer.reason ?? answer.passes.map((p) => `${p.model} ${p.started ? 'started' : p.reason}`).join(', ')}`);
      return reply.code(answer.status).send({ delivery, event, ...answer.body, passes: answer.passes, ...(answer.reason ? { reason: answer.reason } : {}) });
    } catch (err) {
      req.log.error({ delivery, event, err }, `${delivery} ${event}: failed: ${(err as Error).message}`);
      // Not remembered either: a redelivery once the branch exists can succeed.
      if (err instanceof NotFoundError) return reply.code(422).send({ delivery, event, started: false, error: err.message });
      return fail(reply, err);
    } finally {
      inFlight.delete(delivery);
    }
  });

  async function handle(event: string, payload: Record<string, unknown>, delivery: string): Promise<{ status: number; passes: PassResult[]; reason?: string; body: Record<string, unknown> }> {
    if (event === 'ping') return { status: 200, passes: [], body: { started: false, pong: true, zen: payload.zen ?? null } };
    const decision = decide(event, payload, await deps.pipelines());
    if (decision.kind === 'ignore') return { status: 202, passes: [], reason: decision.reason, body: { started: false } };
    let models: PipelineConfig[];
    if (decision.kind === 'retrain-if-permitted') {
      const permission = await deps.permissionOf(decision.owner, decision.repo, decision.user);
      if (!CAN_TRIGGER.has(permission)) {
        return { status: 202, passes: [], reason: `${decision.user} has ${permission} permission on ${decision.owner}/${decision.repo}; /retrain needs write, maintain or admin`, body: { started: false } };
      }
      models = [decision.model];
    } else {
      models = decision.models;
    }
    const trigger = await githubTrigger(decision.target, event, delivery);
    const passes: PassResult[] = [];
    for (const m of models) passes.push(await start(m, trigger));
    return { status: 200, passes, body: { started: passes.some((p) => p.started) } };
  }

  /** What the pass reports back to: the target's commit resolved to a sha (a failure here is a 502: GitHub may redeliver). */
  async function githubTrigger(target: ReportTarget, event: string, delivery: string): Promise<GithubTrigger> {
    const [owner, repo] = target.repository.split('/') as [string, string];
    const sha = 'sha' in target.commit ? target.commit.sha : await headSha(owner, repo, target.commit);
    return {
      kind: 'github',
      repository: target.repository,
      sha,
      event,
      deliveryId: delivery,
      ...(target.issueNumber !== undefined ? { issueNumber: target.issueNumber } : {}),
      ...(target.sender ? { sender: target.sender } : {}),
    };
  }

  /**
   * A branch or pull request GitHub does not know (deleted since, or named
   * wrongly in a dispatch) is the payload's problem, not a server failure:
   * 422 rather than a 5xx.
   */
  async function headSha(owner: string, repo: string, source: Exclude<CommitSource, { sha: string }>): Promise<string> {
    try {
      return await deps.headSha(owner, repo, source);
    } catch (err) {
      if ((err as { status?: unknown }).status !== 404) throw err;
      const what = 'pull' in source ? `pull request #${source.pull}` : `branch ${JSON.stringify(source.branch)}`;
      throw new NotFoundError(`${what} of ${owner}/${repo} does not exist on GitHub`, { owner, repo });
    }
  }

  async function start(pipeline: PipelineConfig, trigger: GithubTrigger): Promise<PassResult> {
    try {
      const s = await deps.startPass(pipeline, trigger);
      return { model: pipeline.model, started: true, ...s };
    } catch (err) {
      // GitHub ignores the status; "already running" is an answer, not a failure to redeliver.
      if (err instanceof DriftloopError && err.code === 'PASS_ALREADY_RUNNING') {
        return { model: pipeline.model, started: false, reason: 'already running', runId: String(err.details.runId) };
      }
      throw err;
    }
  }

  return app;
}

const LOGGED_DELIVERY_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** With a logger: lines keyed by the delivery id (GitHub's X-GitHub-Delivery, when sane) as requestId, one line per request (the onResponse hook). */
function loggerOptions(logger: Logger | undefined): Pick<FastifyServerOptions, 'logger' | 'loggerInstance' | 'genReqId' | 'logController' | 'requestIdHeader'> {
  if (!logger) return { logger: false };
  return {
    loggerInstance: logger as FastifyBaseLogger,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-github-delivery'];
      return typeof given === 'string' && LOGGED_DELIVERY_ID.test(given) ? given : randomUUID();
    },
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
  };
}

function header(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

/** The payload object, or a one-line reason why the body is not one. */
function parsePayload(raw: Buffer, contentType: string): Record<string, unknown> | string {
  let text = raw.toString('utf8');
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const p = new URLSearchParams(text).get('payload');
    if (p === null) return 'form-encoded body has no "payload" field';
    text = p;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `body is not valid JSON: ${(err as Error).message}`;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'body must be a JSON object';
  return value as Record<string, unknown>;
}

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof DriftloopError && err.code === 'CONFIG_INVALID' ? 500 : 502;
  return reply.code(code).send({ error: message.split('\n')[0] });
}
