import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportFiles } from '../../reports/file-store.js';
import { reportSource } from '../../reports/source.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import { buildDashboardApp } from '../../serving/dashboard-app.js';
import { expectHandled, send, sendRaw, Tally } from './http-client.js';

/**
 * `driftloop dashboard`'s server under malformed requests: report ids with
 * traversal attempts (`../`, `%2e%2e`, absolute paths, NUL bytes), bodies
 * it never takes, raw malformed HTTP. Answers stay below 500 (JSON errors
 * for clients asking for JSON, HTML pages for browsers), a file beside the
 * reports folder is never served, and the dashboard still answers.
 */
const RUNS = 50;
let home: string;
let registry: SqlRegistry;
let app: FastifyInstance;
let url: string;
let reportId: string;
const tally = new Tally();

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'driftloop-fuzz-dashboard-'));
  registry = await openSqliteRegistry(home);
  const files = new ReportFiles(join(home, 'reports'));
  reportId = (await files.save({ model: 'churn', kind: 'run', at: '2025-03-11T01:00:00.000Z', html: '<!doctype html><title>run report</title>' })).id;
  // What a traversal would reach: a secret beside the reports folder, and one beside a model's folder.
  await writeFile(join(home, 'secret.html'), 'TOP-SECRET');
  await writeFile(join(home, 'reports', 'secret.html'), 'TOP-SECRET');
  app = buildDashboardApp(reportSource({ files, registry }));
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await app?.close();
  await registry?.close();
  if (home) await rm(home, { recursive: true, force: true });
  console.log(`fuzz-dashboard: ${tally.summary()}`);
});

async function stillAnswers(): Promise<void> {
  const page = await send(url, 'GET', `/reports/${reportId}`);
  expect(page.status).toBe(200);
  expect(page.text).toContain('run report');
}

describe('the dashboard under malformed input', () => {
  it('report ids with traversal attempts and junk never leave the reports folder', async () => {
    const nasty = fc.oneof(
      fc.constantFrom('..', '../secret', '../../secret', 'churn/../secret', 'churn/..%2F..%2Fsecret', '%2e%2e/secret', '%2e%2e%2fsecret', '..%5csecret', '%00', 'churn/run%00', '/etc/passwd', '%2Fetc%2Fpasswd', 'churn/.hidden', '%252e%252e%252fsecret', '%E0%A4%A', '%', '1e3', '99999999999999999999', '0', '-1'),
      fc.string({ maxLength: 40 }).map(encodeURIComponent),
      fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x21-\x7e]/g, '')),
    );
    await fc.assert(
      fc.asyncProperty(nasty, fc.constantFrom('application/json', 'text/html', '*/*'), async (id, accept) => {
        const res = await send(url, 'GET', `/reports/${id}`, { headers: { accept } });
        tally.add(res.status);
        expect(res.status, `${id}: ${res.text.slice(0, 200)}`).toBeLessThan(500);
        expect(res.text).not.toContain('TOP-SECRET');
        if (accept === 'application/json') expectHandled(res, `GET /reports/${id}`);
        else if (res.status === 404) expect(res.text).toContain('Report not found');
      }),
      { numRuns: RUNS },
    );
    await stillAnswers();
  });

  it('bodies, methods and routes it does not take: JSON 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH'), fc.constantFrom('/reports', `/reports/${reportId}`, '/', '/nope', '/reports/../../etc/passwd'), fc.uint8Array({ maxLength: 256 }), async (method, path, body) => {
        const res = await send(url, method, path, { headers: { 'content-type': 'application/json' }, body });
        expectHandled(res, `${method} ${path}`, tally);
        expect(res.status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: RUNS },
    );
    for (const raw of ['GARBAGE\r\n\r\n', 'GET /reports HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello', 'GET /reports/\u00ff HTTP/1.1\r\nHost: x\r\n\r\n']) {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(await sendRaw(url, raw))?.[1]);
      tally.add(status);
      expect(status, JSON.stringify(raw)).toBeGreaterThanOrEqual(400);
      expect(status, JSON.stringify(raw)).toBeLessThan(500);
    }
    await stillAnswers();
    expect(tally.serverErrors).toBe(0);
  });
});
