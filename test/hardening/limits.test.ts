import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryLog } from '../../github/deliveries.js';
import { buildWebhookServer } from '../../github/webhook-server.js';
import { ReportFiles } from '../../reports/file-store.js';
import { reportSource } from '../../reports/source.js';
import { buildDashboardApp } from '../../serving/dashboard-app.js';
import { DEFAULT_BODY_LIMITS, DEFAULT_HTTP_TIMEOUTS, limitOptions } from '../../serving/http-limits.js';
import { send } from './http-client.js';

/**
 * The limits of the webhook receiver and the dashboard (serving's are in
 * fuzz-serving.test.ts, next to its model): the configured timeouts reach
 * Node's server, a connection that stalls mid-request is closed, and bodies
 * past the limit get a JSON 413.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'driftloop-limits-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function webhook(opts: { bodyLimit?: number; timeouts?: { connectionTimeoutMs?: number } } = {}): Promise<FastifyInstance> {
  const never = async () => {
    throw new Error('not reached: these requests are all refused before any pipeline is looked at');
  };
  return buildWebhookServer({ secret: 's', pipelines: async () => [], startPass: never, permissionOf: never, headSha: never, deliveries: await DeliveryLog.open(join(dir, 'd.log')), ...opts });
}

/** Sends a request line and part of the headers, then nothing: how long until the server hangs up? */
function stall(url: string): Promise<number> {
  const { port, hostname } = new URL(url);
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write('POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Le'));
    socket.on('close', () => resolve(Date.now() - t0));
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the stalled connection was still open after 10 s'));
    }, 10_000).unref();
  });
}

describe('HTTP limits', () => {
  it('defaults: every server gets connection, request and keep-alive timeouts and a body limit', async () => {
    const servers = [await webhook(), buildDashboardApp(reportSource({ files: new ReportFiles(join(dir, 'reports')) }))];
    for (const app of servers) {
      await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        expect(app.server.timeout).toBe(DEFAULT_HTTP_TIMEOUTS.connectionTimeoutMs);
        expect(app.server.requestTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs);
        expect(app.server.keepAliveTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.keepAliveTimeoutMs);
      } finally {
        await app.close();
      }
    }
    expect(servers[0]!.initialConfig.bodyLimit).toBe(DEFAULT_BODY_LIMITS.webhook);
    expect(servers[1]!.initialConfig.bodyLimit).toBe(DEFAULT_BODY_LIMITS.dashboard);
  });

  it('a connection that stalls mid-request is closed after the connection timeout', async () => {
    for (const app of [await webhook({ timeouts: { connectionTimeoutMs: 300 } }), buildDashboardApp(reportSource({ files: new ReportFiles(join(dir, 'reports')) }), { timeouts: { connectionTimeoutMs: 300 } })]) {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const ms = await stall(url);
        expect(ms).toBeGreaterThanOrEqual(250);
        expect(ms).toBeLessThan(5000);
      } finally {
        await app.close();
      }
    }
  });

  it('a body past the limit is a JSON 413 naming the limit', async () => {
    const app = await webhook({ bodyLimit: 1024 });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const res = await send(url, 'POST', '/webhook', { headers: { 'content-type': 'application/json', 'x-hub-signature-256': 'sha256=00' }, body: 'x'.repeat(2048) });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.text).error).toMatch(/body/i);
    } finally {
      await app.close();
    }
  });

  it('limits must be positive integers', () => {
    expect(() => limitOptions(0)).toThrow(/bodyLimit must be a positive integer/);
    expect(() => limitOptions(1024, { requestTimeoutMs: -1 })).toThrow(/requestTimeoutMs must be a positive integer/);
    expect(limitOptions(1024, { keepAliveTimeoutMs: 5000 })).toEqual({ bodyLimit: 1024, connectionTimeout: 120_000, requestTimeout: 60_000, keepAliveTimeout: 5000 });
  });
});
