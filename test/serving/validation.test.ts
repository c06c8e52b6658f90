import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServingServer } from '../../serving/server.js';
import { getJson, metricValue, postJson, startServer, trainFixtures, type Fixtures } from './support.js';

let fx: Fixtures;
let server: ServingServer;
let lenient: ServingServer;

const row = (over: Record<string, unknown> = {}) => ({ tenure_months: 12, monthly_charges: 70.5, support_calls: 1, plan: 'basic', ...over });

beforeAll(async () => {
  fx = await trainFixtures({ regressor: false });
  [server, lenient] = await Promise.all([
    startServer({ source: { onnx: fx.classifier.onnx }, bodyLimit: 16 * 1024, maxRows: 50 }),
    startServer({ source: { onnx: fx.classifier.onnx }, extraFields: 'ignore' }),
  ]);
});
afterAll(async () => {
  await Promise.all([server?.close(), lenient?.close()]);
  await fx?.cleanup();
});

describe('row validation against the model card (vetiver /predict: 422 naming field and row)', () => {
  it.each([
    ['a string for a numeric feature', [row(), row({ tenure_months: '12' })], 'tenure_months', 1, /expected a number or null \(numeric feature\), got the string "12"/],
    ['a number for a categorical feature', [row({ plan: 3 })], 'plan', 0, /expected a string or null \(categorical feature\), got number 3/],
    ['a boolean', [row(), row(), row({ support_calls: true })], 'support_calls', 2, /got boolean true/],
    ['a missing feature', [row(), { tenure_months: 1, monthly_charges: 2, support_calls: 0 }], 'plan', 1, /row 1: missing field "plan"/],
    ['an extra feature', [row({ churned: 1 })], 'churned', 0, /unknown field "churned"; the model's features are tenure_months, monthly_charges, support_calls, plan/],
    ['a number beyond float32', [row({ monthly_charges: 1e39 })], 'monthly_charges', 0, /1e\+39 is not a finite float32 number/],
    ['an array as a value', [row({ plan: ['basic'] })], 'plan', 0, /got an array/],
  ])('%s', async (_what, records, field, rowIndex, message) => {
    const res = await postJson(`${server.url}/predict`, records);
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ field, row: rowIndex });
    expect(res.json.error).toMatch(message);
    expect(res.json.error).toContain(`row ${rowIndex}`);
    expect(res.json.error).toContain(`"${field}"`);
  });

  it("NaN and Infinity (bare tokens, as Python's json.dumps writes them) are rejected by field and row", async () => {
    const body = `[${JSON.stringify(row())}, {"tenure_months": NaN, "monthly_charges": 1, "support_calls": 0, "plan": "basic"}]`;
    const res = await postJson(`${server.url}/predict`, body);
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ field: 'tenure_months', row: 1 });
    expect(res.json.error).toMatch(/NaN is not a finite number \(send null for a missing value\)/);
    const inf = await postJson(`${server.url}/predict`, `[{"tenure_months": 1, "monthly_charges": -Infinity, "support_calls": 0, "plan": "x"}]`);
    expect(inf.status).toBe(422);
    expect(inf.json).toMatchObject({ field: 'monthly_charges', row: 0 });
    // Inside a string it is just text.
    const str = await postJson(`${server.url}/predict`, [row({ plan: 'NaN' })]);
    expect(str.status).toBe(200);
  });

  it('null is a missing value (imputed by the model), for both kinds of feature', async () => {
    const res = await postJson(`${server.url}/predict`, [row({ tenure_months: null, plan: null })]);
    expect(res.status).toBe(200);
    expect(res.json.predict).toHaveLength(1);
  });

  it('an unknown category is accepted, reported in X-Unknown-Categories and counted in /metrics', async () => {
    const res = await postJson(`${server.url}/predict`, [row({ plan: 'platinum' }), row(), row({ plan: 'gold' })]);
    expect(res.status).toBe(200);
    expect(res.json.predict).toHaveLength(3);
    expect(res.headers.get('x-unknown-categories')).toBe('plan=2');
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(metricValue(text, 'driftloop_serving_unknown_categories_total', { feature: 'plan' })).toBeGreaterThanOrEqual(2);
  });

  it('extra fields are dropped when the server is started with extraFields: "ignore"', async () => {
    const res = await postJson(`${lenient.url}/predict`, [row({ customer_id: 'c-1', churned: 1 })]);
    expect(res.status).toBe(200);
    expect((await getJson(`${lenient.url}/prototype`)).json.additionalProperties).toBe(true);
  });

  it('the body must be an array of objects', async () => {
    const obj = await postJson(`${server.url}/predict`, row());
    expect(obj.status).toBe(422);
    expect(obj.json.error).toMatch(/must be a JSON array of records/);
    const notObj = await postJson(`${server.url}/predict`, [row(), 5]);
    expect(notObj.json).toMatchObject({ row: 1 });
    const empty = await postJson(`${server.url}/predict`, []);
    expect(empty.status).toBe(422);
    expect(empty.json.error).toMatch(/no rows/);
    const garbage = await fetch(`${server.url}/predict`, { method: 'POST', body: Buffer.from([0xff, 0x00, 0x7b, 0x5b]) });
    expect(garbage.status).toBe(422);
  });
});

describe('limits', () => {
  it('a body over bodyLimit is 413', async () => {
    const records = Array.from({ length: 40 }, () => row({ plan: 'x'.repeat(500) }));
    const res = await postJson(`${server.url}/predict`, records);
    expect(res.status).toBe(413);
    expect(res.json.error).toMatch(/exceeds the limit of 16384 bytes/);
  });

  it('more rows than maxRows is 413 naming both counts', async () => {
    const res = await postJson(`${server.url}/predict`, Array.from({ length: 51 }, () => row()));
    expect(res.status).toBe(413);
    expect(res.json.error).toMatch(/51 rows; at most 50/);
  });

  it('a gzip body is decoded (tritonclient request compression); unknown encodings are 415', async () => {
    const gz = await fetch(`${server.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from(JSON.stringify([row()]))),
    });
    expect(gz.status).toBe(200);
    const br = await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-encoding': 'br' }, body: 'xx' });
    expect(br.status).toBe(415);
  });
});

describe('other protocols report the field and row in their own shapes', () => {
  it('MLflow CSV: a non-number in a numeric column is 400 naming field and row; blank and "nan" are missing', async () => {
    const csv = 'tenure_months,monthly_charges,support_calls,plan\n1,20,0,basic\n2,abc,1,premium\n';
    const res = await fetch(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error_code: string; message: string };
    expect(body.error_code).toBe('BAD_REQUEST');
    expect(body.message).toMatch(/row 1, field "monthly_charges": expected a number/);
    const ok = await fetch(`${server.url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: 'plan,tenure_months,monthly_charges,support_calls\n,nan,20,\n',
    });
    expect(ok.status).toBe(200);
    const missingCol = await fetch(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'plan\nbasic\n' });
    expect(((await missingCol.json()) as { message: string }).message).toMatch(/missing column "tenure_months"/);
  });

  it('MLflow dataframe_split: a row of the wrong width is named', async () => {
    const res = await postJson(`${server.url}/invocations`, {
      dataframe_split: { columns: ['tenure_months', 'monthly_charges', 'support_calls', 'plan'], data: [[1, 2, 3, 'basic'], [1, 2]] },
    });
    expect(res.status).toBe(400);
    expect(res.json.message).toMatch(/row 1: expected an array of 4 values/);
  });

  it('V2: wrong datatype, shape or length for an input is 400 naming the input', async () => {
    const inputs = (over: Record<string, unknown> = {}) =>
      [
        { name: 'tenure_months', shape: [2, 1], datatype: 'FP32', data: [1, 2] },
        { name: 'monthly_charges', shape: [2, 1], datatype: 'FP32', data: [20, 30] },
        { name: 'support_calls', shape: [2, 1], datatype: 'FP32', data: [0, 1] },
        { name: 'plan', shape: [2, 1], datatype: 'BYTES', data: ['basic', 'premium'] },
      ].map((i) => (i.name in over ? { ...i, ...(over[i.name] as object) } : i));
    const url = `${server.url}/v2/models/churn/infer`;
    expect((await postJson(url, { inputs: inputs() })).status).toBe(200);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ plan: { datatype: 'FP32', data: [1, 2] } }, /input "plan" is FP32, but "plan" is a categorical feature/],
      [{ tenure_months: { datatype: 'BYTES', data: ['1', '2'] } }, /input "tenure_months" is BYTES, but "tenure_months" is a numeric feature/],
      [{ support_calls: { shape: [2, 2] } }, /input "support_calls" has shape \[2, 2\]; expected \[N, 1\] or \[N\]/],
      [{ support_calls: { shape: [3, 1] } }, /input "support_calls" has 3 rows but other inputs have 2/],
      [{ monthly_charges: { data: [20] } }, /input "monthly_charges" has 1 values for shape \[2, 1\]/],
      [{ monthly_charges: { data: [20, 'x'] } }, /row 1, field "monthly_charges": expected a number/],
      [{ tenure_months: { datatype: 'FLOAT' } }, /inputs\[0\]\.datatype/],
    ];
    for (const [over, message] of cases) {
      const res = await postJson(url, { inputs: inputs(over) });
      expect(res.status, JSON.stringify(res.json)).toBe(400);
      expect(res.json.error).toMatch(message);
    }
    const extra = await postJson(url, { inputs: [...inputs(), { name: 'age', shape: [2], datatype: 'FP32', data: [1, 2] }] });
    expect(extra.json.error).toMatch(/unknown field "age"/);
    const unknownOutput = await postJson(url, { inputs: inputs(), outputs: [{ name: 'scores' }] });
    expect(unknownOutput.json.error).toMatch(/unknown output "scores"; this model has "label", "probabilities"/);
  });

  it('after all of that the server still serves', async () => {
    const res = await postJson(`${server.url}/predict`, [row()]);
    expect(res.status).toBe(200);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(metricValue(text, 'driftloop_serving_errors_total', { kind: 'internal' })).toBeNaN();
  });
});
