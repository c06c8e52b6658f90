import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeExampleProject } from '../../demo/example.js';
import { createServingServer, type ServingServer } from '../../serving/server.js';
import { trainFile } from '../../training/train-file.js';
import { launchChromium } from '../support/browser.js';

const ARTIFACTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
let server: ServingServer;
let browser: Browser;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'driftloop-playground-'));
  await writeExampleProject(dir, { rows: 800 });
  const trained = await trainFile({
    data: join(dir, 'reference.csv'), target: 'churned', out: join(dir, 'model'),
    estimator: 'hist_gradient_boosting', params: { max_iter: 30 },
  });
  server = await createServingServer({ source: { onnx: trained.model }, port: 0, pollMs: 0 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the playground', () => {
  it('runs the served ONNX model in the browser with onnxruntime-web and predicts what the server predicts', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/playground`);
    await page.waitForFunction("document.getElementById('browser-result')?.textContent === 'ready'", null, { timeout: 30_000 });

    await page.fill('[name="tenure_months"]', '3');
    await page.fill('[name="monthly_charges"]', '95.5');
    await page.fill('[name="support_calls"]', '4');
    await page.selectOption('[name="plan"]', 'premium');
    await page.click('#predict');
    await page.waitForFunction("document.getElementById('server-result')?.dataset.result !== undefined", null, { timeout: 30_000 });

    const browserResult = JSON.parse((await page.getAttribute('#browser-result', 'data-result'))!);
    const serverBody = JSON.parse((await page.getAttribute('#server-result', 'data-result'))!);
    // The same row straight to the server, as a vetiver client would send it.
    const direct = (await (
      await fetch(`${server.url}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ tenure_months: 3, monthly_charges: 95.5, support_calls: 4, plan: 'premium' }]),
      })
    ).json()) as { predict: unknown[]; probabilities?: unknown[] };
    expect(serverBody.predict).toEqual(direct.predict);
    expect(String(direct.predict[0])).toBe(browserResult.prediction);
    const first = direct.probabilities?.[0];
    const serverProbs = (Array.isArray(first) ? first : Object.values(first ?? {})).map(Number);
    browserResult.probabilities.forEach((p: number, i: number) => expect(p).toBeCloseTo(Number(serverProbs[i]), 6));
    expect(errors).toEqual([]);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'playground.png'), fullPage: true });
  });

  it('serves only the onnxruntime-web files it needs', async () => {
    expect((await fetch(`${server.url}/playground/ort/ort-wasm-simd-threaded.wasm`)).status).toBe(200);
    expect((await fetch(`${server.url}/playground/ort/..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/playground/ort/ort.all.min.js`)).status).toBe(404);
  });
});
