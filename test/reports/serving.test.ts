import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDriftReportHtml } from '../../reports/drift-html.js';
import { ReportFiles } from '../../reports/file-store.js';
import { renderRunReportHtml } from '../../reports/run-html.js';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import { createServingServer, type ServingServer } from '../../serving/server.js';
import { trainFixtures, type Fixtures } from '../serving/support.js';
import { sampleDriftReport, sampleRunReportData } from './fixtures.js';

/**
 * The serving process of a registry model answers /reports: the registry's
 * models with their champion, its stored drift reports (HTML kept, or
 * rendered from the stored JSON) and the report files under DRIFTLOOP_HOME.
 */
let fx: Fixtures;
let home: string;
let registry: SqlRegistry;
let server: ServingServer;
let storedWithHtml: number;
let storedJsonOnly: number;
let runReportId: string;

beforeAll(async () => {
  fx = await trainFixtures({ regressor: false });
  home = await mkdtemp(join(tmpdir(), 'driftloop-reports-serving-'));
  process.env.DRIFTLOOP_HOME = home;
  delete process.env.DRIFTLOOP_DATABASE_URL;
  registry = await openSqliteRegistry(home);
  await registry.registerVersion({ model: 'churn', onnx: await readFile(fx.classifier.onnx), card: fx.classifier.card, trainingData: await readFile(fx.data) });
  await registry.promote({ model: 'churn', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
  const report = sampleDriftReport();
  storedWithHtml = (await registry.saveDriftReport({
    model: 'churn', version: 1, runId: 'run-a', at: '2025-03-10T00:00:00.000Z', report,
    html: renderDriftReportHtml(report, { title: 'stored drift page' }),
  })).id;
  storedJsonOnly = (await registry.saveDriftReport({ model: 'churn', version: 1, runId: 'run-b', at: '2025-03-11T00:00:00.000Z', report })).id;
  runReportId = (await ReportFiles.inHome().save({ model: 'churn', kind: 'run', at: '2025-03-11T01:00:00.000Z', html: renderRunReportHtml(sampleRunReportData()) })).id;
  server = await createServingServer({ source: { registry, model: 'churn' }, port: 0, pollMs: 0 });
});

afterAll(async () => {
  await server?.close();
  await registry?.close();
  await fx?.cleanup();
  if (home) await rm(home, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(`${server.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('GET /reports on the serving process', () => {
  it('lists the registry model with its champion, its stored drift reports and its report files, newest first', async () => {
    const page = await get('/reports');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.body).toContain('champion <strong>v1</strong>');
    expect(page.body).toContain('<span>1 version</span>');
    const links = [...page.body.matchAll(/<a href="([^"]+)">/g)].map((m) => m[1]);
    expect(links).toEqual([`/reports/${runReportId}`, `/reports/${storedJsonOnly}`, `/reports/${storedWithHtml}`]);
    expect(page.body).toContain('drift check of v1 (run run-b)');
  });

  it('serves a stored drift report as stored, and renders one stored without HTML from its JSON', async () => {
    const kept = await get(`/reports/${storedWithHtml}`);
    expect(kept.status).toBe(200);
    expect(kept.body).toContain('<title>stored drift page</title>');
    const rendered = await get(`/reports/${storedJsonOnly}`);
    expect(rendered.status).toBe(200);
    expect(rendered.body).toContain('<title>Drift report: churn v1</title>');
    expect(rendered.body).toContain('<canvas id="drift-column-0"');
  });

  it('serves report files by <model>/<name>, and 404 pages for anything else', async () => {
    const run = await get(`/reports/${runReportId}`);
    expect(run.status).toBe(200);
    expect(run.body).toContain('Pipeline run: churn');
    for (const path of ['/reports/999', '/reports/churn/run-nothing', '/reports/churn%2F..%2F..%2Fregistry.sqlite']) {
      const missing = await get(path);
      expect(missing.status, path).toBe(404);
      expect(missing.body).toContain('Report not found');
    }
  });

  it('is absent from a server without a registry', async () => {
    const fileServer = await createServingServer({ source: { onnx: fx.classifier.onnx }, port: 0, pollMs: 0 });
    try {
      expect((await fetch(`${fileServer.url}/reports`)).status).toBe(404);
    } finally {
      await fileServer.close();
    }
  });
});
