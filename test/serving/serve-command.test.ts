import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerServe } from '../../client/commands/serve.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import { postJson, referenceRecords, train, trainFixtures, type Fixtures, type TrainedModel } from './support.js';

let fx: Fixtures;
let forest: TrainedModel;

beforeAll(async () => {
  fx = await trainFixtures({ regressor: false });
  forest = await train(fx.root, 'forest', { target: 'churned', name: 'churn', estimator: 'random_forest', params: { n_estimators: 5, max_depth: 3 } });
});
afterAll(async () => {
  await fx?.cleanup();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `driftloop serve …` in-process; returns the printed lines, a way to send Ctrl-C, and the command's completion. */
function serve(args: string[]) {
  const signals = new EventEmitter();
  const lines: string[] = [];
  const program = new Command('driftloop').exitOverride();
  registerServe(program, { signals, print: (l) => lines.push(l) });
  const done = program.parseAsync(['node', 'driftloop', 'serve', ...args]);
  const url = async () => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const line = lines.find((l) => l.startsWith('serving '));
      if (line) return line.split(' at ')[1]!;
      if (Date.now() > deadline) throw new Error(`no URL printed: ${lines.join('\n')}`);
      await Promise.race([sleep(20), done]);
    }
  };
  return { lines, url, done, interrupt: () => signals.emit('SIGINT') };
}

describe('driftloop serve', () => {
  it('--onnx FILE: prints the URL, serves, and drains on Ctrl-C with exit code 0', async () => {
    const s = serve(['--onnx', fx.classifier.onnx, '--port', '0', '--max-batch', '64', '--max-wait-ms', '1']);
    const url = await s.url();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(s.lines[0]).toMatch(/^serving churn version [0-9a-f]{12} \(file:.*model\.onnx\) at http/);
    const records = await referenceRecords(fx.data, fx.classifier.card, 2);
    const pending = postJson(`${url}/predict`, records);
    const res = await pending;
    expect(res.status).toBe(200);
    s.interrupt();
    await s.done;
    expect(process.exitCode ?? 0).toBe(0);
    expect(s.lines.at(-1)).toMatch(/draining/);
    await expect(fetch(`${url}/ping`)).rejects.toThrow();
  });

  it('--model NAME follows the registry alias under DRIFTLOOP_HOME and prints promotions', async () => {
    const home = join(fx.root, 'cli-home');
    const registry = await openSqliteRegistry(home);
    const saved = { home: process.env.DRIFTLOOP_HOME, db: process.env.DRIFTLOOP_DATABASE_URL };
    try {
      const onnx = await readFile(fx.classifier.onnx);
      const trainingData = await readFile(fx.data);
      await registry.registerVersion({ model: 'churn', onnx, card: fx.classifier.card, trainingData });
      await registry.registerVersion({ model: 'churn', onnx: await readFile(forest.onnx), card: forest.card, trainingData });
      await registry.moveAlias({ model: 'churn', alias: 'champion', to: 1, expected: null, actor: 'test', reason: 'test' });
      process.env.DRIFTLOOP_HOME = home;
      delete process.env.DRIFTLOOP_DATABASE_URL;
      const s = serve(['--model', 'churn', '--port', '0', '--poll-ms', '50']);
      const url = await s.url();
      expect(s.lines[0]).toBe(`serving churn version 1 (registry:churn@champion) at ${url}`);
      const res = await postJson(`${url}/predict`, await referenceRecords(fx.data, fx.classifier.card, 1));
      expect(res.headers.get('x-model-version')).toBe('1');
      await registry.moveAlias({ model: 'churn', alias: 'champion', to: 2, expected: 1, actor: 'test', reason: 'promote' });
      const deadline = Date.now() + 5000;
      while (!s.lines.some((l) => l.startsWith('promoted')) && Date.now() < deadline) await sleep(20);
      expect(s.lines).toContain('promoted: churn version 1 → 2');
      const after = await postJson(`${url}/predict`, await referenceRecords(fx.data, fx.classifier.card, 1));
      expect(after.headers.get('x-model-version')).toBe('2');
      s.interrupt();
      await s.done;
    } finally {
      process.env.DRIFTLOOP_HOME = saved.home;
      if (saved.home === undefined) delete process.env.DRIFTLOOP_HOME;
      if (saved.db !== undefined) process.env.DRIFTLOOP_DATABASE_URL = saved.db;
      await registry.close();
    }
  });

  it('--body-limit: a larger body is a JSON 413 naming the limit; smaller ones are served', async () => {
    const s = serve(['--onnx', fx.classifier.onnx, '--port', '0', '--body-limit', '2048', '--request-timeout-ms', '5000']);
    const url = await s.url();
    try {
      const one = await referenceRecords(fx.data, fx.classifier.card, 1);
      expect((await postJson(`${url}/predict`, one)).status).toBe(200);
      const big = await postJson(`${url}/predict`, Array.from({ length: 40 }, () => one[0]));
      expect(big.status).toBe(413);
      expect(big.json.error).toBe('the request body exceeds the limit of 2048 bytes');
    } finally {
      s.interrupt();
      await s.done;
    }
  });

  it('refuses both or neither of --model and --onnx, and bad numbers', async () => {
    await expect(serve(['--onnx', fx.classifier.onnx, '--body-limit', '0']).done).rejects.toThrow(/--body-limit must be an integer ≥ 1, not "0"/);
    await expect(serve(['--onnx', fx.classifier.onnx, '--request-timeout-ms', '1.5']).done).rejects.toThrow(/--request-timeout-ms must be an integer ≥ 1/);
    await expect(serve(['--port', '0']).done).rejects.toThrow(/exactly one of --model NAME or --onnx FILE/);
    await expect(serve(['--onnx', fx.classifier.onnx, '--model', 'x']).done).rejects.toThrow(/exactly one/);
    await expect(serve(['--onnx', fx.classifier.onnx, '--max-batch', '0']).done).rejects.toThrow(/--max-batch must be an integer ≥ 1/);
    await expect(serve(['--onnx', join(fx.root, 'missing.onnx'), '--port', '0']).done).rejects.toThrow(/cannot read the ONNX model/);
  });
});
