import { gzipSync } from 'node:zlib';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlRegistry } from '../../registry/sql-registry.js';
import { openSqliteRegistry } from '../../registry/sqlite.js';
import { registryPredictionSink } from '../../serving/prediction-sinks.js';
import { DEFAULT_BODY_LIMITS, DEFAULT_HTTP_TIMEOUTS } from '../../serving/http-limits.js';
import { createServingServer, type ServingServer } from '../../serving/server.js';
import { referenceRecords, trainFixtures, type Fixtures } from '../serving/support.js';
import { expectHandled, send, sendRaw, Tally } from './http-client.js';

/**
 * Property-based fuzzing of the serving process over real HTTP on 127.0.0.1:
 * every protocol's POST route (vetiver /predict, V2 infer JSON and binary,
 * MLflow /invocations, /feedback) and the GET routes with URL parameters
 * (V2 model names and versions, /reports ids, /playground assets) get
 * generated malformed requests. Each must be answered below 500 with a JSON
 * error naming the problem, and the server must still predict afterwards.
 */
const RUNS = 40;
const BODY_LIMIT = 64 * 1024;

let fx: Fixtures;
let home: string;
let registry: SqlRegistry;
let server: ServingServer;
let valid: Record<string, number | string | null>[];
let features: string[];
const tally = new Tally();

beforeAll(async () => {
  fx = await trainFixtures({ regressor: false });
  home = await mkdtemp(join(tmpdir(), 'driftloop-fuzz-serving-'));
  process.env.DRIFTLOOP_HOME = home;
  delete process.env.DRIFTLOOP_DATABASE_URL;
  registry = await openSqliteRegistry(home);
  await registry.registerVersion({ model: 'churn', onnx: await readFile(fx.classifier.onnx), card: fx.classifier.card, trainingData: await readFile(fx.data) });
  await registry.promote({ model: 'churn', to: 1, expectedChampion: null, actor: 'test', reason: 'first' });
  server = await createServingServer({ source: { registry, model: 'churn' }, port: 0, pollMs: 0, processMetrics: false, bodyLimit: BODY_LIMIT, sink: registryPredictionSink(registry) });
  valid = await referenceRecords(fx.data, fx.classifier.card, 2);
  features = fx.classifier.card.features.map((f) => f.name);
});

afterAll(async () => {
  await server?.close();
  await registry?.close();
  await fx?.cleanup();
  if (home) await rm(home, { recursive: true, force: true });
  // The figures docs/reliability.md quotes.
  console.log(`fuzz-serving: ${tally.summary()}`);
});

const POST_ROUTES = ['/predict', '/invocations', '/v2/models/churn/infer', '/v2/models/churn/versions/1/infer', '/feedback'];
const CONTENT_TYPES = ['application/json', 'text/csv', 'application/octet-stream', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/vnd.x+json', ''];

/** Still serving: a valid prediction right after the malformed ones. */
async function stillServes(): Promise<void> {
  const res = await send(server.url, 'POST', '/predict', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(valid) });
  expect(res.status, res.text).toBe(200);
  expect(JSON.parse(res.text).predict).toHaveLength(valid.length);
}

async function post(path: string, body: Uint8Array | string, headers: Record<string, string> = {}): Promise<void> {
  const res = await send(server.url, 'POST', path, { headers, body });
  expectHandled(res, `POST ${path} ${JSON.stringify(headers)} ${String(typeof body === 'string' ? body : Buffer.from(body).toString('hex')).slice(0, 200)}`, tally);
}

/** A value of any JSON type, including the awkward ones (huge, negative zero, long strings). */
const anyValue = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 3 }),
);
/** Records with the model's real feature names (and some others), each holding any value. */
const records = fc.array(
  fc.dictionary(fc.oneof(fc.constantFrom(...['tenure_months', 'monthly_charges', 'support_calls', 'plan', '__proto__', 'constructor', '']), fc.string({ maxLength: 8 })), anyValue, { maxKeys: 6 }),
  { maxLength: 4 },
);
const datatype = fc.oneof(fc.constantFrom('FP32', 'FP64', 'INT64', 'BYTES', 'BOOL', 'FP16', 'UINT8'), fc.string({ maxLength: 6 }));
const shape = fc.array(fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constantFrom(2 ** 31, 1e12, -1)), { maxLength: 3 });
const v2Request = fc.record(
  {
    id: anyValue,
    parameters: fc.oneof(fc.constant(undefined), fc.record({ binary_data_output: anyValue })),
    inputs: fc.array(
      fc.record(
        { name: fc.oneof(fc.constantFrom('tenure_months', 'monthly_charges', 'support_calls', 'plan'), fc.string({ maxLength: 8 })), shape, datatype, data: fc.oneof(fc.array(anyValue, { maxLength: 6 }), anyValue), parameters: fc.oneof(fc.constant(undefined), fc.record({ binary_data_size: anyValue })) },
        { requiredKeys: [] },
      ),
      { maxLength: 5 },
    ),
    outputs: fc.oneof(fc.constant(undefined), fc.array(fc.record({ name: anyValue, parameters: fc.record({ binary_data: anyValue }) }), { maxLength: 2 })),
  },
  { requiredKeys: [] },
);
const mlflowRequest = fc.oneof(
  fc.record({ dataframe_split: fc.record({ columns: fc.array(fc.oneof(fc.constantFrom(...['tenure_months', 'plan']), anyValue), { maxLength: 5 }), data: fc.array(fc.array(anyValue, { maxLength: 5 }), { maxLength: 3 }), index: anyValue }, { requiredKeys: [] }) }),
  fc.record({ dataframe_records: fc.oneof(records, anyValue) }),
  fc.record({ instances: fc.oneof(records, anyValue) }),
  fc.record({ inputs: fc.oneof(fc.dictionary(fc.constantFrom('tenure_months', 'monthly_charges', 'support_calls', 'plan'), fc.array(anyValue, { maxLength: 3 })), anyValue) }),
  fc.dictionary(fc.string({ maxLength: 12 }), anyValue, { maxKeys: 3 }),
);
const feedback = fc.record({ requestId: anyValue, label: fc.oneof(anyValue, fc.array(anyValue, { maxLength: 3 })), row: anyValue }, { requiredKeys: [] });

describe('serving under malformed input', () => {
  it('runs with the body limit and timeouts it is given (defaults otherwise); a stalled connection is closed', async () => {
    expect(server.app.initialConfig.bodyLimit).toBe(BODY_LIMIT);
    expect(server.app.server.timeout).toBe(DEFAULT_HTTP_TIMEOUTS.connectionTimeoutMs);
    expect(server.app.server.requestTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.requestTimeoutMs);
    expect(server.app.server.keepAliveTimeout).toBe(DEFAULT_HTTP_TIMEOUTS.keepAliveTimeoutMs);
    const quick = await createServingServer({ source: { onnx: fx.classifier.onnx }, port: 0, pollMs: 0, processMetrics: false, timeouts: { connectionTimeoutMs: 300, requestTimeoutMs: 5000, keepAliveTimeoutMs: 1000 } });
    try {
      expect(quick.app.initialConfig.bodyLimit).toBe(DEFAULT_BODY_LIMITS.serving);
      expect([quick.app.server.timeout, quick.app.server.requestTimeout, quick.app.server.keepAliveTimeout]).toEqual([300, 5000, 1000]);
      // Half a request line of headers, then silence: hung up on after ~300 ms, not held open.
      const t0 = Date.now();
      const answer = await sendRaw(quick.url, 'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n[{"plan":', { keepOpen: true });
      expect(Date.now() - t0).toBeLessThan(4000);
      expect(answer).not.toMatch(/^HTTP\/1\.1 5/);
    } finally {
      await quick.close();
    }
  });

  it('random JSON of any shape, to every POST route', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_ROUTES), fc.jsonValue({ maxDepth: 4 }), async (path, value) => post(path, JSON.stringify(value), { 'content-type': 'application/json' })),
      { numRuns: RUNS },
    );
    await stillServes();
  });

  it('protocol-shaped requests with wrong types, names, shapes and values', async () => {
    await fc.assert(fc.asyncProperty(records, async (r) => post('/predict', JSON.stringify(r))), { numRuns: RUNS });
    await fc.assert(fc.asyncProperty(v2Request, async (r) => post('/v2/models/churn/infer', JSON.stringify(r), { 'content-type': 'application/json' })), { numRuns: RUNS });
    await fc.assert(fc.asyncProperty(mlflowRequest, async (r) => post('/invocations', JSON.stringify(r), { 'content-type': 'application/json' })), { numRuns: RUNS });
    await fc.assert(fc.asyncProperty(feedback, async (r) => post('/feedback', JSON.stringify(r), { 'content-type': 'application/json' })), { numRuns: RUNS });
    await stillServes();
  });

  it('raw bytes (invalid UTF-8, CSV junk, truncated JSON) under any content type and encoding', async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 512 }),
      fc.constantFrom(Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('[{"plan": "\xff\xfe'), Buffer.from(JSON.stringify(valid).slice(0, 30))),
      fc.string({ maxLength: 200 }).map((s) => Buffer.from(`tenure_months,plan\n${s}`)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...POST_ROUTES), bytes, fc.constantFrom(...CONTENT_TYPES), fc.constantFrom('', 'gzip', 'deflate', 'br', 'identity', 'x-bogus'), async (path, body, type, encoding) => {
        const headers: Record<string, string> = {};
        if (type) headers['content-type'] = type;
        if (encoding) headers['content-encoding'] = encoding;
        await post(path, body, headers);
      }),
      { numRuns: RUNS * 2 },
    );
    await stillServes();
  });

  it('V2 binary bodies: truncated tensors, header lengths past the body, bogus sizes', async () => {
    const header = JSON.stringify({
      inputs: features.map((name) => ({ name, shape: [1, 1], datatype: name === 'plan' ? 'BYTES' : 'FP64', parameters: { binary_data_size: name === 'plan' ? 8 : 8 } })),
    });
    const full = Buffer.concat([Buffer.from(header), Buffer.alloc(8 * features.length, 1)]);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: full.length }),
        fc.oneof(fc.integer({ min: -5, max: full.length + 5 }).map(String), fc.constantFrom('abc', '1e3', '', ' 12', '0x10', '99999999999999999999')),
        async (cut, headerLength) => post('/v2/models/churn/infer', full.subarray(0, cut), { 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength }),
      ),
      { numRuns: RUNS },
    );
    await stillServes();
  });

  it('huge and deeply nested bodies: 413 past the limit, 4xx for nesting, no stack overflow', async () => {
    for (const depth of [1_000, 100_000]) {
      await post('/predict', '['.repeat(depth) + ']'.repeat(depth), { 'content-type': 'application/json' });
      await post('/v2/models/churn/infer', `{"inputs":${'['.repeat(depth)}${']'.repeat(depth)}}`, { 'content-type': 'application/json' });
      await post('/feedback', `{"requestId":"x","label":${'{"a":'.repeat(depth / 10)}1${'}'.repeat(depth / 10)}}`, { 'content-type': 'application/json' });
    }
    const big = JSON.stringify(Array.from({ length: 2000 }, () => valid[0]));
    expect(big.length).toBeGreaterThan(BODY_LIMIT);
    for (const path of POST_ROUTES) {
      const res = await send(server.url, 'POST', path, { headers: { 'content-type': 'application/json' }, body: big });
      expectHandled(res, `oversized ${path}`, tally);
      expect(res.status).toBe(413);
    }
    // A small gzip body that inflates past the limit (a zip bomb) is refused as too large too.
    const bomb = gzipSync(Buffer.alloc(BODY_LIMIT * 4, 0x20));
    const res = await send(server.url, 'POST', '/predict', { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: bomb });
    expectHandled(res, 'gzip bomb', tally);
    expect(res.status).toBe(413);
    await stillServes();
  });

  it('bogus headers and malformed HTTP', async () => {
    const headerValue = fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, '?'));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('x-request-id', 'content-type', 'content-encoding', 'inference-header-content-length', 'accept', 'x-forwarded-for', 'transfer-encoding-x'),
        headerValue,
        fc.constantFrom(...POST_ROUTES),
        async (name, value, path) => post(path, JSON.stringify(valid), { [name]: value }),
      ),
      { numRuns: RUNS },
    );
    // Node's client refuses to send these; a raw socket does.
    for (const raw of [
      'GARBAGE\r\n\r\n',
      'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nhello',
      'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'POST /predict HTTP/1.1\r\nHost: x\r\nX-Bad\u0000: 1\r\n\r\n',
      'GET /v2/models/\u00ff HTTP/1.1\r\nHost: x\r\n\r\n',
      'POST /predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ]) {
      const answer = await sendRaw(server.url, raw);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
      tally.add(status);
      expect(status, JSON.stringify(raw)).toBeGreaterThanOrEqual(400);
      expect(status, JSON.stringify(raw)).toBeLessThan(500);
    }
    await stillServes();
  });

  it('path traversal and junk in URL parameters (model names, versions, report ids, asset names)', async () => {
    const nasty = fc.oneof(
      // Inherited property names: "/playground/ort/__proto__" was a 500 (a lookup in an object literal found Object.prototype).
      fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'),
      fc.constantFrom('..', '../..', '..%2F..%2Fregistry.sqlite', '%2e%2e%2f%2e%2e', '%00', 'churn%00', '..\\..\\', '%252e%252e', '/etc/passwd', '%2Fetc%2Fpasswd', 'churn/../../x', '%E0%A4%A', '%', '%zz'),
      fc.string({ maxLength: 30 }).map(encodeURIComponent),
      fc.string({ maxLength: 30 }).map((s) => s.replace(/[^\x21-\x7e]/g, '')),
    );
    const paths = (p: string) => [
      `/v2/models/${p}`,
      `/v2/models/${p}/ready`,
      `/v2/models/churn/versions/${p}`,
      `/v2/models/churn/versions/${p}/infer`,
      `/v2/models/${p}/infer`,
      `/reports/${p}`,
      `/reports/churn/${p}`,
      `/playground/ort/${p}`,
      `/${p}`,
    ];
    await fc.assert(
      fc.asyncProperty(nasty, async (p) => {
        for (const path of paths(p)) {
          const method = path.endsWith('/infer') ? 'POST' : 'GET';
          const res = await send(server.url, method, path, { headers: { accept: 'application/json', 'content-type': 'application/json' }, body: method === 'POST' ? JSON.stringify({ inputs: [] }) : undefined });
          expectHandled(res, `${method} ${path}`, tally);
          // Nothing outside the reports folder or the asset list is ever served (the registry database, system files).
          expect(res.text).not.toMatch(/SQLite format|root:x:0:0/);
        }
      }),
      { numRuns: RUNS },
    );
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const res = await send(server.url, 'GET', `/playground/ort/${name}`);
      expectHandled(res, `GET /playground/ort/${name}`, tally);
      expect(res.status).toBe(404);
    }
    await stillServes();
    expect(tally.serverErrors).toBe(0);
  });
});
