import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServingServer } from '../../serving/server.js';
import {
  getJson,
  metricValue,
  postJson,
  referencePredictions,
  referenceRecords,
  startServer,
  trainFixtures,
  type Fixtures,
} from './support.js';

let fx: Fixtures;
let clf: ServingServer;
let reg: ServingServer;

beforeAll(async () => {
  fx = await trainFixtures();
  [clf, reg] = await Promise.all([startServer({ source: { onnx: fx.classifier.onnx } }), startServer({ source: { onnx: fx.regressor.onnx } })]);
});
afterAll(async () => {
  await Promise.all([clf?.close(), reg?.close()]);
  await fx?.cleanup();
});

describe('vetiver API', () => {
  it('POST /predict: labels and probabilities equal OnnxModel.predict on the same rows; version in header and body', async () => {
    const records = await referenceRecords(fx.data, fx.classifier.card, 40);
    const ref = await referencePredictions(fx.classifier, records);
    const res = await postJson(`${clf.url}/predict`, records);
    expect(res.status).toBe(200);
    const version = clf.follower.current.identity.version;
    expect(res.headers.get('x-model-version')).toBe(version);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json.model_version).toBe(version);
    expect(ref.kind).toBe('labels');
    expect(res.json.predict.map(String)).toEqual(ref.kind === 'labels' ? ref.labels : []);
    // Class values keep the card's types (0/1 are numbers, as pandas would read them back).
    expect(typeof res.json.predict[0]).toBe('number');
    expect(res.json.probabilities).toHaveLength(40);
    for (const [i, p] of (res.json.probabilities as Record<string, number>[]).entries()) {
      expect(Object.keys(p)).toEqual(['0', '1']);
      expect(p['0']! + p['1']!).toBeCloseTo(1, 5);
      expect(String(p['1']! > p['0']! ? 1 : 0)).toBe(String(res.json.predict[i]));
    }
  });

  it("accepts a body with no Content-Type, or text/plain (what vetiver's Python client sends)", async () => {
    const records = await referenceRecords(fx.data, fx.classifier.card, 3);
    const none = await fetch(`${clf.url}/predict`, { method: 'POST', body: Buffer.from(JSON.stringify(records)) });
    expect(none.status).toBe(200);
    expect(((await none.json()) as { predict: unknown[] }).predict).toHaveLength(3);
    const plain = await fetch(`${clf.url}/predict`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(records) });
    expect(plain.status).toBe(200);
  });

  it('regressor: values equal OnnxModel.predict; no probabilities', async () => {
    const records = await referenceRecords(fx.data, fx.regressor.card, 25);
    const ref = await referencePredictions(fx.regressor, records);
    const res = await postJson(`${reg.url}/predict`, records);
    expect(res.status).toBe(200);
    expect(res.json.probabilities).toBeUndefined();
    expect(ref.kind).toBe('values');
    expect(res.json.predict).toEqual(ref.kind === 'values' ? Array.from(ref.values) : []);
  });

  it('GET /ping, /metadata (vetiver fields + model card), /prototype (JSON Schema with examples)', async () => {
    expect((await getJson(`${clf.url}/ping`)).json).toEqual({ ping: 'pong' });
    const meta = (await getJson(`${clf.url}/metadata`)).json;
    expect(meta).toMatchObject({ user: {}, version: clf.follower.current.identity.version, url: `${clf.url}/predict` });
    expect(meta.required_pkgs).toContain(`scikit-learn==${fx.classifier.card.libraries.sklearn}`);
    expect(meta.model_card).toEqual(fx.classifier.card);
    const proto = (await getJson(`${clf.url}/prototype`)).json;
    expect(proto.type).toBe('object');
    expect(proto.required).toEqual(['tenure_months', 'monthly_charges', 'support_calls', 'plan']);
    expect(proto.additionalProperties).toBe(false);
    expect(proto.properties.plan.type).toEqual(['string', 'null']);
    expect(proto.properties.tenure_months.examples.length).toBeGreaterThan(0);
    // The examples are valid input.
    const res = await postJson(`${clf.url}/predict`, proto.examples);
    expect(res.status).toBe(200);
  });
});

describe('MLflow scoring protocol', () => {
  it('dataframe_split, dataframe_records, instances, inputs (rows and columns) and text/csv all give the same predictions', async () => {
    const records = await referenceRecords(fx.data, fx.classifier.card, 12);
    const ref = await referencePredictions(fx.classifier, records);
    const expected = ref.kind === 'labels' ? ref.labels : [];
    const columns = Object.keys(records[0]!);
    const columnMap = Object.fromEntries(columns.map((c) => [c, records.map((r) => r[c])]));
    const bodies = [
      { dataframe_split: { columns, data: records.map((r) => columns.map((c) => r[c])) } },
      { dataframe_records: records },
      { instances: records },
      { inputs: records },
      { inputs: columnMap },
      { instances: columnMap, params: { anything: 1 } },
    ];
    for (const body of bodies) {
      const res = await postJson(`${clf.url}/invocations`, body);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      expect(res.json.predictions.map(String)).toEqual(expected);
      expect(res.json.model_version).toBe(clf.follower.current.identity.version);
    }
    const csv = [columns.join(','), ...records.map((r) => columns.map((c) => r[c] ?? '').join(','))].join('\n');
    const res = await fetch(`${clf.url}/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv; charset=utf-8' }, body: csv });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { predictions: unknown[] }).predictions.map(String)).toEqual(expected);
  });

  it('regressor over /invocations equals OnnxModel.predict', async () => {
    const records = await referenceRecords(fx.data, fx.regressor.card, 10);
    const ref = await referencePredictions(fx.regressor, records);
    const res = await postJson(`${reg.url}/invocations`, { dataframe_records: records });
    expect(res.status).toBe(200);
    expect(res.json.predictions).toEqual(ref.kind === 'values' ? Array.from(ref.values) : []);
  });

  it("errors in MLflow's shape; unsupported content type is 415; /health and /version", async () => {
    const bad = await postJson(`${clf.url}/invocations`, { dataframe_records: [], instances: [] });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error_code: 'BAD_REQUEST' });
    expect(bad.json.message).toMatch(/exactly one of/);
    const xml = await fetch(`${clf.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' });
    expect(xml.status).toBe(415);
    const health = await fetch(`${clf.url}/health`);
    expect(health.status).toBe(200);
    const version = await fetch(`${clf.url}/version`);
    expect(await version.text()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('Open Inference Protocol (V2), JSON', () => {
  it('server metadata, liveness, readiness, model metadata and readiness', async () => {
    expect((await getJson(`${clf.url}/v2`)).json).toMatchObject({ name: 'driftloop', extensions: ['binary_tensor_data'] });
    expect((await getJson(`${clf.url}/v2/health/live`)).json).toEqual({ live: true });
    expect((await getJson(`${clf.url}/v2/health/ready`)).json).toEqual({ ready: true });
    const v = clf.follower.current.identity.version;
    const meta = await getJson(`${clf.url}/v2/models/churn`);
    expect(meta.json).toEqual({
      name: 'churn',
      versions: [v],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'tenure_months', datatype: 'FP32', shape: [-1, 1] },
        { name: 'monthly_charges', datatype: 'FP32', shape: [-1, 1] },
        { name: 'support_calls', datatype: 'FP32', shape: [-1, 1] },
        { name: 'plan', datatype: 'BYTES', shape: [-1, 1] },
      ],
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
      ],
    });
    expect((await getJson(`${clf.url}/v2/models/churn/versions/${v}`)).status).toBe(200);
    expect((await getJson(`${clf.url}/v2/models/churn/ready`)).json).toEqual({ name: 'churn', ready: true });
    const missing = await getJson(`${clf.url}/v2/models/other`);
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatch(/"other" is not served here/);
    expect((await getJson(`${clf.url}/v2/models/churn/versions/999/ready`)).status).toBe(404);
  });

  it('infer with JSON tensors ([N,1] and [N] shapes, nested data): outputs equal OnnxModel.predict', async () => {
    const records = await referenceRecords(fx.data, fx.classifier.card, 8);
    const ref = await referencePredictions(fx.classifier, records);
    const inputs = fx.classifier.card.features.map((f, i) => ({
      name: f.name,
      shape: i % 2 ? [8] : [8, 1],
      datatype: f.kind === 'numeric' ? (i === 0 ? 'INT64' : 'FP64') : 'BYTES',
      data: i % 2 ? records.map((r) => r[f.name]) : records.map((r) => [r[f.name]]),
    }));
    const res = await postJson(`${clf.url}/v2/models/churn/infer`, { id: 'abc', inputs });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toMatchObject({ model_name: 'churn', model_version: clf.follower.current.identity.version, id: 'abc' });
    const [label, proba] = res.json.outputs;
    expect(label).toMatchObject({ name: 'label', datatype: 'INT64', shape: [8] });
    expect(label.data.map(String)).toEqual(ref.kind === 'labels' ? ref.labels : []);
    expect(proba).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [8, 2] });
    expect(proba.data).toHaveLength(16);
    // Only the requested output.
    const one = await postJson(`${clf.url}/v2/models/churn/versions/${clf.follower.current.identity.version}/infer`, { inputs, outputs: [{ name: 'probabilities' }] });
    expect(one.json.outputs.map((o: { name: string }) => o.name)).toEqual(['probabilities']);
    expect(one.json.id).toBe(one.headers.get('x-request-id'));
  });

  it('regressor infer: "variable" equals OnnxModel.predict', async () => {
    const records = await referenceRecords(fx.data, fx.regressor.card, 6);
    const ref = await referencePredictions(fx.regressor, records);
    const inputs = fx.regressor.card.features.map((f) => ({
      name: f.name,
      shape: [6, 1],
      datatype: f.kind === 'numeric' ? 'FP32' : 'BYTES',
      data: records.map((r) => r[f.name]),
    }));
    const res = await postJson(`${reg.url}/v2/models/charges/infer`, { inputs });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json.outputs).toEqual([{ name: 'variable', datatype: 'FP32', shape: [6, 1], data: ref.kind === 'values' ? Array.from(ref.values) : [] }]);
  });

  it('errors are {"error": …} with 400 (bad input) and 404 (unknown model or version)', async () => {
    const bad = await postJson(`${clf.url}/v2/models/churn/infer`, { inputs: [{ name: 'plan', shape: [1], datatype: 'BYTES', data: ['basic'] }] });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.json)).toEqual(['error']);
    expect(bad.json.error).toMatch(/missing input "tenure_months"/);
    const wrongVersion = await postJson(`${clf.url}/v2/models/churn/versions/42/infer`, { inputs: [] });
    expect(wrongVersion.status).toBe(404);
    const notJson = await postJson(`${clf.url}/v2/models/churn/infer`, '{"inputs": [');
    expect(notJson.status).toBe(400);
    expect(notJson.json.error).toMatch(/not valid JSON/);
  });
});

describe('operations', () => {
  it('/metrics: request counts by route and status, latency, model version info', async () => {
    const text = await (await fetch(`${clf.url}/metrics`)).text();
    expect(metricValue(text, 'driftloop_serving_requests_total', { route: '/predict', status: '200' })).toBeGreaterThanOrEqual(3);
    expect(metricValue(text, 'driftloop_serving_requests_total', { route: '/invocations', status: '400' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'driftloop_serving_request_duration_seconds_count', { route: '/predict' })).toBeGreaterThanOrEqual(3);
    expect(metricValue(text, 'driftloop_serving_model_info', { model: 'churn', version: clf.follower.current.identity.version })).toBe(1);
    expect(metricValue(text, 'driftloop_serving_errors_total', { route: '/invocations', kind: 'input' })).toBeGreaterThanOrEqual(1);
  });

  it('/docs serves the OpenAPI description generated from the request schemas, with the current row schema inlined', async () => {
    const html = await fetch(`${clf.url}/docs`);
    expect(html.status).toBe(200);
    const spec = (await getJson(`${clf.url}/docs/json`)).json;
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/predict', '/ping', '/metadata', '/prototype', '/v2/models/{name}/infer', '/invocations', '/feedback', '/metrics']),
    );
    const row = spec.paths['/predict'].post.requestBody.content['application/json'].schema.items;
    expect(row.required).toEqual(['tenure_months', 'monthly_charges', 'support_calls', 'plan']);
    const v2 = spec.paths['/v2/models/{name}/infer'].post.requestBody.content;
    expect(Object.keys(v2)).toEqual(['application/json', 'application/octet-stream']);
    expect(v2['application/json'].schema.properties.inputs.items.required).toEqual(['name', 'shape', 'datatype']);
    expect(Object.keys(spec.paths['/invocations'].post.requestBody.content)).toEqual(['application/json', 'text/csv']);
  });

  it('extraRoutes mounts more routes that see the served version (e.g. a page that downloads the model)', async () => {
    const server = await startServer({
      source: { onnx: fx.classifier.onnx },
      extraRoutes: (app, current) => {
        app.get('/extra/model.onnx', async (_req, reply) => reply.type('application/octet-stream').send(Buffer.from(current().onnx)));
      },
    });
    try {
      const res = await fetch(`${server.url}/extra/model.onnx`);
      expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(fx.classifier.onnx))).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('unknown routes are 404 with an error body, and the server keeps serving', async () => {
    const res = await getJson(`${clf.url}/nope`);
    expect(res.status).toBe(404);
    expect(res.json.error).toMatch(/no route GET \/nope/);
    expect((await getJson(`${clf.url}/ping`)).status).toBe(200);
  });
});
