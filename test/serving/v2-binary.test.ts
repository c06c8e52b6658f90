import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServingServer } from '../../serving/server.js';
import { referencePredictions, referenceRecords, startServer, trainFixtures, type Fixtures } from './support.js';

/**
 * The binary tensor data extension, with the bytes built here from the spec
 * (not with the server's own codec): JSON header, then each binary input's
 * little-endian tensor data in input order; BYTES elements are a uint32 LE
 * length followed by the bytes; Inference-Header-Content-Length = JSON length.
 */
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

function fp32(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeFloatLE(v, i * 4));
  return b;
}
function fp64(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeDoubleLE(v, i * 8));
  return b;
}
function int64(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => b.writeBigInt64LE(BigInt(v), i * 8));
  return b;
}
function bytesTensor(values: string[]): Buffer {
  return Buffer.concat(
    values.flatMap((v) => {
      const s = Buffer.from(v, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(s.length);
      return [len, s];
    }),
  );
}

interface Parsed {
  header: any;
  tensors: Map<string, Buffer>;
}

async function inferBinary(url: string, header: object, binaries: Buffer[], extraHeaders: Record<string, string> = {}): Promise<{ status: number; res: Response; parsed: Parsed | null; json: any }> {
  const json = Buffer.from(JSON.stringify(header));
  // No Content-Type, as tritonclient sends it.
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'inference-header-content-length': String(json.length), ...extraHeaders },
    body: Buffer.concat([json, ...binaries]),
  });
  const body = Buffer.from(await res.arrayBuffer());
  const hl = res.headers.get('inference-header-content-length');
  if (hl === null) return { status: res.status, res, parsed: null, json: JSON.parse(body.toString('utf8')) };
  const n = Number(hl);
  const head = JSON.parse(body.subarray(0, n).toString('utf8'));
  const tensors = new Map<string, Buffer>();
  let at = n;
  for (const o of head.outputs) {
    const size = o.parameters?.binary_data_size;
    if (size === undefined) continue;
    tensors.set(o.name, body.subarray(at, at + size));
    at += size;
  }
  expect(at).toBe(body.length);
  return { status: res.status, res, parsed: { header: head, tensors }, json: head };
}

function readFloat32(b: Buffer): number[] {
  return Array.from({ length: b.length / 4 }, (_, i) => b.readFloatLE(i * 4));
}
function readInt64(b: Buffer): number[] {
  return Array.from({ length: b.length / 8 }, (_, i) => Number(b.readBigInt64LE(i * 8)));
}

describe('V2 binary tensor data extension', () => {
  it('binary inputs (FP32, FP64, INT64, BYTES) and binary outputs (binary_data_output) round-trip; results equal OnnxModel.predict', async () => {
    const n = 20;
    const records = await referenceRecords(fx.data, fx.classifier.card, n);
    const ref = await referencePredictions(fx.classifier, records);
    const col = (name: string) => records.map((r) => r[name]);
    const binaries = [
      int64(col('tenure_months') as number[]),
      fp64(col('monthly_charges') as number[]),
      fp32(col('support_calls') as number[]),
      bytesTensor(col('plan') as string[]),
    ];
    const header = {
      inputs: [
        { name: 'tenure_months', shape: [n, 1], datatype: 'INT64', parameters: { binary_data_size: binaries[0]!.length } },
        { name: 'monthly_charges', shape: [n, 1], datatype: 'FP64', parameters: { binary_data_size: binaries[1]!.length } },
        { name: 'support_calls', shape: [n], datatype: 'FP32', parameters: { binary_data_size: binaries[2]!.length } },
        { name: 'plan', shape: [n, 1], datatype: 'BYTES', parameters: { binary_data_size: binaries[3]!.length } },
      ],
      parameters: { binary_data_output: true },
    };
    const { status, res, parsed } = await inferBinary(`${clf.url}/v2/models/churn/infer`, header, binaries);
    expect(status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(parsed!.header.model_version).toBe(clf.follower.current.identity.version);
    const [label, proba] = parsed!.header.outputs;
    expect(label).toEqual({ name: 'label', datatype: 'INT64', shape: [n], parameters: { binary_data_size: n * 8 } });
    expect(proba).toEqual({ name: 'probabilities', datatype: 'FP32', shape: [n, 2], parameters: { binary_data_size: n * 2 * 4 } });
    expect(readInt64(parsed!.tensors.get('label')!).map(String)).toEqual(ref.kind === 'labels' ? ref.labels : []);
    const p = readFloat32(parsed!.tensors.get('probabilities')!);
    for (let i = 0; i < n; i++) expect(p[2 * i]! + p[2 * i + 1]!).toBeCloseTo(1, 5);

    // The same request with JSON outputs gives the same numbers.
    const { parsed: none, json } = await inferBinary(`${clf.url}/v2/models/churn/infer`, { ...header, parameters: {} }, binaries);
    expect(none).toBeNull();
    expect(json.outputs[1].data).toEqual(p);
  });

  it('per-output binary_data overrides binary_data_output; JSON and binary outputs mix', async () => {
    const records = await referenceRecords(fx.data, fx.classifier.card, 3);
    const inputs = fx.classifier.card.features.map((f) => ({
      name: f.name,
      shape: [3, 1],
      datatype: f.kind === 'numeric' ? 'FP32' : 'BYTES',
      data: records.map((r) => r[f.name]),
    }));
    const header = {
      inputs,
      parameters: { binary_data_output: true },
      outputs: [{ name: 'label', parameters: { binary_data: false } }, { name: 'probabilities' }],
    };
    const { status, parsed } = await inferBinary(`${clf.url}/v2/models/churn/infer`, header, []);
    expect(status).toBe(200);
    const [label, proba] = parsed!.header.outputs;
    expect(label.data).toHaveLength(3);
    expect(label.parameters).toBeUndefined();
    expect(proba.parameters).toEqual({ binary_data_size: 24 });
    expect(parsed!.tensors.has('label')).toBe(false);
  });

  it('regressor: "variable" as binary FP32; a NaN in a binary FP32 tensor is a missing value', async () => {
    const records = await referenceRecords(fx.data, fx.regressor.card, 5);
    const ref = await referencePredictions(fx.regressor, records);
    const binaries = fx.regressor.card.features.map((f) =>
      f.kind === 'numeric' ? fp32(records.map((r) => r[f.name] as number)) : bytesTensor(records.map((r) => r[f.name] as string)),
    );
    const header = {
      inputs: fx.regressor.card.features.map((f, i) => ({
        name: f.name,
        shape: [5, 1],
        datatype: f.kind === 'numeric' ? 'FP32' : 'BYTES',
        parameters: { binary_data_size: binaries[i]!.length },
      })),
      outputs: [{ name: 'variable', parameters: { binary_data: true } }],
    };
    const { parsed } = await inferBinary(`${reg.url}/v2/models/charges/infer`, header, binaries);
    expect(parsed!.header.outputs).toEqual([{ name: 'variable', datatype: 'FP32', shape: [5, 1], parameters: { binary_data_size: 20 } }]);
    expect(readFloat32(parsed!.tensors.get('variable')!)).toEqual(ref.kind === 'values' ? Array.from(ref.values) : []);

    const withNaN = [fp32([Number.NaN, 1, 2, 3, 4]), ...binaries.slice(1)];
    const nan = await inferBinary(`${reg.url}/v2/models/charges/infer`, header, withNaN);
    expect(nan.status).toBe(200);
    const inf = await inferBinary(`${reg.url}/v2/models/charges/infer`, header, [fp32([1, Number.POSITIVE_INFINITY, 2, 3, 4]), ...binaries.slice(1)]);
    expect(inf.status).toBe(400);
    expect(inf.json.error).toMatch(/row 1, field "tenure_months": Infinity is not a finite float32 number/);
  });

  it('malformed binary bodies are 400 with the reason, never a crash', async () => {
    const url = `${clf.url}/v2/models/churn/infer`;
    const inputs = (sizes: number[]) =>
      fx.classifier.card.features.map((f, i) => ({
        name: f.name,
        shape: [2, 1],
        datatype: f.kind === 'numeric' ? 'FP32' : 'BYTES',
        parameters: { binary_data_size: sizes[i] },
      }));
    const good = [fp32([1, 2]), fp32([3, 4]), fp32([0, 1]), bytesTensor(['basic', 'premium'])];
    const sizes = good.map((b) => b.length);
    expect((await inferBinary(url, { inputs: inputs(sizes) }, good)).status).toBe(200);

    const short = await inferBinary(url, { inputs: inputs(sizes) }, good.slice(0, 3));
    expect(short.status).toBe(400);
    expect(short.json.error).toMatch(/input "plan": binary_data_size \d+ runs past the end of the body/);

    const extraBytes = await inferBinary(url, { inputs: inputs(sizes) }, [...good, Buffer.from([1, 2, 3])]);
    expect(extraBytes.json.error).toMatch(/add up to/);

    const wrongSize = await inferBinary(url, { inputs: inputs([4, 8, 8, sizes[3]!]) }, [fp32([1]), fp32([3, 4]), fp32([0, 1]), good[3]!]);
    expect(wrongSize.json.error).toMatch(/input "tenure_months": 2 FP32 elements take 8 bytes, but binary_data_size is 4/);

    const badLength = Buffer.from(good[3]!);
    badLength.writeUInt32LE(1000, 0);
    const bytesErr = await inferBinary(url, { inputs: inputs(sizes) }, [...good.slice(0, 3), badLength]);
    expect(bytesErr.json.error).toMatch(/input "plan": BYTES element 0 claims 1000 bytes/);

    const header = Buffer.from(JSON.stringify({ inputs: inputs(sizes) }));
    const lying = await fetch(url, { method: 'POST', headers: { 'inference-header-content-length': '99999' }, body: Buffer.concat([header, ...good]) });
    expect(lying.status).toBe(400);
    expect(((await lying.json()) as { error: string }).error).toMatch(/Inference-Header-Content-Length is "99999"/);
  });
});
