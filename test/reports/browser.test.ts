import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDashboard } from '../../client/commands/dashboard.js';
import { renderDriftReportHtml } from '../../reports/drift-html.js';
import { ReportFiles } from '../../reports/file-store.js';
import { renderRunReportHtml } from '../../reports/run-html.js';
import { launchChromium } from '../support/browser.js';
import { EVIL_CATEGORY, EVIL_COLUMN, sampleDriftReport, sampleRunReportData } from './fixtures.js';

// The page.evaluate callbacks run in Chromium; this project compiles without the DOM library.
declare const document: any;
declare const window: any;

const ARTIFACTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let home: string;
let browser: Browser;
let dashboardUrl: string;
let runId: string;
const signals = new EventEmitter();
let dashboardDone: Promise<unknown>;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'driftloop-reports-'));
  process.env.DRIFTLOOP_HOME = home;
  delete process.env.DRIFTLOOP_DATABASE_URL;
  const files = ReportFiles.inHome();
  await files.save({ model: 'churn', kind: 'drift', at: '2025-03-12T06:00:00Z', drifted: true, html: renderDriftReportHtml(sampleDriftReport(), { model: 'churn', version: 2 }) });
  runId = (await files.save({ model: 'churn', kind: 'run', at: '2025-03-13T06:00:00Z', drifted: true, title: 'run 7', html: renderRunReportHtml(sampleRunReportData()) })).id;

  // `driftloop dashboard --port 0`, in-process, stopped by a simulated Ctrl-C.
  const lines: string[] = [];
  const program = new Command('driftloop').exitOverride();
  registerDashboard(program, { signals, print: (l) => lines.push(l) });
  dashboardDone = program.parseAsync(['node', 'driftloop', 'dashboard', '--port', '0']);
  const deadline = Date.now() + 20_000;
  while (!lines.length) {
    if (Date.now() > deadline) throw new Error('the dashboard printed no URL');
    await Promise.race([sleep(20), dashboardDone]);
  }
  dashboardUrl = /at (http:\/\/\S+)/.exec(lines[0]!)![1]!;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  signals.emit('SIGINT');
  await dashboardDone;
  await rm(home, { recursive: true, force: true });
});

/** A page that records console errors, uncaught exceptions and failed requests. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m) => {
    // This test's own pixel readbacks make Chromium suggest willReadFrequently; that one is not the page's.
    if (m.type() === 'warning' && m.text().includes('willReadFrequently')) return;
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
  return { page, problems };
}

async function chartsDrawn(page: Page): Promise<number> {
  await page.waitForFunction(() => document.documentElement.hasAttribute('data-charts'), null, { timeout: 30_000 });
  expect(await page.getAttribute('html', 'data-chart-error')).toBeNull();
  return Number(await page.getAttribute('html', 'data-charts'));
}

interface CanvasChart {
  id: string;
  painted: number;
  type: string;
  labels: string[];
  datasets: { label: string; length: number; data: unknown[] }[];
}

/** Every chart canvas on the page: how many pixels are painted, and what Chart.js holds for it. */
function chartsOnPage(page: Page): Promise<CanvasChart[]> {
  return page.evaluate(() => {
    const Chart = (window as any).Chart;
    return [...document.querySelectorAll('canvas')].map((canvas: any) => {
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
      const chart = Chart.getChart(canvas);
      return {
        id: canvas.id,
        painted,
        type: chart?.config.type ?? 'none',
        labels: (chart?.data.labels ?? []).map(String),
        datasets: (chart?.data.datasets ?? []).map((d: any) => ({ label: d.label, length: d.data.length, data: d.data })),
      };
    });
  });
}

/** The distribution charts must show what the report says: reference and current shares per bin or category. */
function expectDistributionCharts(charts: CanvasChart[]): void {
  const report = sampleDriftReport();
  report.columns.forEach((column, i) => {
    const chart = charts.find((c) => c.id === `drift-column-${i}`);
    if (!column.distribution) return expect(chart).toBeUndefined();
    expect(chart, column.name).toBeDefined();
    expect(chart!.painted, `${column.name}: painted pixels`).toBeGreaterThan(2000);
    expect(chart!.type).toBe('bar');
    expect(chart!.datasets.map((d) => d.label)).toEqual(['reference', 'current']);
    const d = column.distribution;
    if (d.kind === 'histogram') {
      expect(chart!.labels).toHaveLength(d.edges.length - 1);
      expect(chart!.datasets[0]!.data).toEqual(d.reference);
      expect(chart!.datasets[1]!.data).toEqual(d.current);
    } else {
      const hasOther = d.other.reference > 0 || d.other.current > 0;
      expect(chart!.labels).toEqual(hasOther ? [...d.categories, '(other)'] : d.categories);
      expect(chart!.datasets[0]!.data).toEqual(hasOther ? [...d.reference, d.other.reference] : d.reference);
      expect(chart!.datasets[1]!.data).toEqual(hasOther ? [...d.current, d.other.current] : d.current);
    }
  });
}

describe('the drift report in Chromium', () => {
  it('opens from a file with no network, draws one histogram or category chart per column, and runs no injected markup', async () => {
    const file = join(home, 'drift-report.html');
    await writeFile(file, renderDriftReportHtml(sampleDriftReport(), { model: 'churn', version: 2, reference: 'reference.csv', current: 'current.csv' }));
    const { page, problems } = await openPage();
    // Any request beyond the file itself would mean the report is not self-contained.
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    const drawn = await chartsDrawn(page);
    const report = sampleDriftReport();
    expect(drawn).toBe(report.columns.filter((c) => c.distribution).length);
    expectDistributionCharts(await chartsOnPage(page));

    // The hostile column name is text (in the table and its panel), its category a chart label; nothing ran.
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.textContent('#column-3 h3')).toContain(EVIL_COLUMN);
    expect(await page.textContent('#columns tbody tr:nth-child(4) td.name')).toBe(EVIL_COLUMN);
    expect((await chartsOnPage(page)).find((c) => c.id === 'drift-column-3')!.labels[0]).toBe(EVIL_CATEGORY);

    // Sorting by p-value: numbers ascending, the columns without one after them.
    await page.click('#columns th:nth-child(5)');
    const order = await page.$$eval('#columns tbody tr', (rows) => rows.map((r) => Number(r.getAttribute('data-column-index'))));
    const withP = report.columns.map((c, i) => ({ p: c.pValue, i })).filter((c) => c.p !== null).sort((a, b) => a.p! - b.p!).map((c) => c.i);
    expect(order.slice(0, withP.length)).toEqual(withP);

    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(problems).toEqual([]);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'reports-drift.png'), fullPage: true });
    await page.close();
  });
});

describe('the dashboard and the run report in Chromium', () => {
  it('lists the model and its reports; the run report draws metric lines per version with promotion markers, the comparison and the distributions', async () => {
    const { page, problems } = await openPage();
    await page.goto(dashboardUrl.replace(/\/reports$/, '/')); // "/" redirects to the dashboard
    expect(new URL(page.url()).pathname).toBe('/reports');
    expect(await page.textContent('section[data-model="churn"] h2')).toBe('churn');
    const links = await page.$$eval('section[data-model="churn"] a', (as) => as.map((a) => ({ text: a.textContent, href: a.getAttribute('href') })));
    expect(links[0]).toEqual({ text: 'run 7', href: `/reports/${runId}` });
    expect(links[1]!.text).toBe('drift report');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'reports-dashboard.png'), fullPage: true });

    await page.click('text=run 7');
    await page.waitForURL(`**/reports/${runId}`);
    const data = sampleRunReportData();
    const drawn = await chartsDrawn(page);
    const charts = await chartsOnPage(page);
    expect(drawn).toBe(charts.length);
    for (const c of charts) expect(c.painted, `${c.id}: painted pixels`).toBeGreaterThan(2000);

    const accuracy = charts.find((c) => c.id === 'metric-0')!;
    expect(accuracy.type).toBe('line');
    expect(accuracy.datasets.map((d) => [d.label, d.length])).toEqual([['v1', 4], ['v2', 7], ['v3', 4], ['v3 (estimated)', 3], ['promotions', 2]]);
    const promotions = accuracy.datasets.at(-1)!.data as { x: number; version: number }[];
    expect(promotions.map((p) => [p.x, p.version])).toEqual(data.promotions!.map((p) => [Date.parse(p.at), p.version]));
    const v2 = accuracy.datasets[1]!.data as { x: number; y: number }[];
    expect(v2[0]).toMatchObject({ x: Date.parse('2025-03-05T00:00:00Z'), y: 0.91 });
    const f1 = charts.find((c) => c.id === 'metric-1')!;
    expect(f1.datasets.map((d) => [d.label, d.length])).toEqual([['v2', 3], ['v3', 2], ['promotions', 2]]);

    // The promotion lines are drawn: dark pixels down the chart area at each promotion's time.
    const lineInk = await page.evaluate(() => {
      const canvas = document.getElementById('metric-0');
      const chart = (window as any).Chart.getChart(canvas);
      const ratio = canvas.width / canvas.clientWidth;
      const { top, bottom } = chart.chartArea;
      const ctx = canvas.getContext('2d')!;
      return chart.data.datasets.at(-1).data.map((p: { x: number }) => {
        const x = Math.round(chart.scales.x.getPixelForValue(p.x) * ratio);
        const column = ctx.getImageData(x - 1, Math.round(top * ratio), 3, Math.round((bottom - top) * ratio)).data;
        let dark = 0;
        for (let i = 0; i < column.length; i += 4) if (column[i + 3]! > 128 && column[i]! < 120 && column[i + 1]! < 120 && column[i + 2]! < 120) dark++;
        return dark;
      });
    });
    for (const dark of lineInk) expect(dark).toBeGreaterThan(30);

    const comparison = charts.find((c) => c.id === 'comparison')!;
    expect(comparison.labels).toEqual(data.comparison!.map((c) => c.metric));
    expect(comparison.datasets.map((d) => [d.label, d.data])).toEqual([
      ['candidate (v3)', data.comparison!.map((c) => c.candidate)],
      ['champion (v2)', data.comparison!.map((c) => c.champion)],
    ]);
    expectDistributionCharts(charts);
    expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined();
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'reports-run.png'), fullPage: true });
    await page.close();
  });

  it('answers 404 pages for unknown reports and for ids that try to leave the reports folder', async () => {
    const slash = await fetch(new URL('/reports/', dashboardUrl));
    expect(slash.status).toBe(200);
    expect(await slash.text()).toContain('data-model="churn"');
    for (const path of ['/reports/churn/nope', '/reports/..%2F..%2Fetc%2Fpasswd', '/reports/churn/..%2F..%2Fregistry', '/reports/42']) {
      const res = await fetch(new URL(path, dashboardUrl));
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain('Report not found');
    }
  });
});
