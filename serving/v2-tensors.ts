import type { FastifyReply } from 'fastify';
import { checkRowCount, ColumnsBuilder, unknownField, type Columns, type ValidationPolicy } from './columns.js';
import { InputError } from './errors.js';
import type { FeatureSchema } from './features.js';
import type { LoadedModel } from './loaded-model.js';
import type { Prediction } from './predict.js';
import type { V2InferenceRequest } from './schemas.js';
import {
  decodeBytesElements,
  decodeNumbers,
  encodeBytesElements,
  encodeFloat32,
  encodeInferenceBody,
  encodeInt64,
} from './v2-binary.js';

/**
 * The Open Inference Protocol's tensors for driftloop models: one input tensor
 * per feature (decoded from JSON or binary data into validated Columns), the
 * ONNX outputs as response tensors (JSON or binary, as requested), and the
 * model metadata that describes both.
 */

export function labelDatatype(m: LoadedModel): 'INT64' | 'BYTES' {
  return m.classes.length > 0 && m.classes.every((c) => typeof c === 'number' && Number.isInteger(c)) ? 'INT64' : 'BYTES';
}

export function modelMetadata(m: LoadedModel) {
  const inputs = m.schema.features.map((f) => ({ name: f.name, datatype: f.kind === 'numeric' ? 'FP32' : 'BYTES', shape: [-1, 1] }));
  const outputs = m.isClassifier
    ? [
        { name: 'label', datatype: labelDatatype(m), shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, m.classes.length] },
      ]
    : [{ name: 'variable', datatype: 'FP32', shape: [-1, 1] }];
  return { name: m.identity.name, versions: [m.identity.version], platform: 'onnxruntime_onnx', inputs, outputs };
}

function flatten(data: unknown): unknown[] {
  if (!Array.isArray(data)) return [data];
  return data.some(Array.isArray) ? (data as unknown[]).flat(Infinity) : data;
}

/** One column per input tensor, validated element by element (row = first index of the tensor). */
export function columnsFromTensors(req: V2InferenceRequest, binaries: (Buffer | undefined)[], schema: FeatureSchema, policy: ValidationPolicy): Columns {
  const byName = new Map<string, number>();
  req.inputs.forEach((input, i) => {
    if (byName.has(input.name)) throw new InputError(`input "${input.name}" appears twice`, { field: input.name });
    byName.set(input.name, i);
    if (!schema.byName.has(input.name) && policy.extraFields === 'reject') throw unknownField(input.name, undefined, schema);
  });
  let rows: number | undefined;
  for (const f of schema.features) {
    const i = byName.get(f.name);
    if (i === undefined) throw new InputError(`missing input "${f.name}" (one tensor per feature, named as the feature)`, { field: f.name });
    const { shape } = req.inputs[i]!;
    if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
      throw new InputError(`input "${f.name}" has shape [${shape.join(', ')}]; expected [N, 1] or [N]`, { field: f.name });
    }
    if (rows === undefined) rows = shape[0]!;
    else if (shape[0] !== rows) throw new InputError(`input "${f.name}" has ${shape[0]} rows but other inputs have ${rows}`, { field: f.name });
  }
  checkRowCount(rows ?? 0, policy);
  const n = rows!;
  const b = new ColumnsBuilder(schema, n);
  for (const f of schema.features) {
    const i = byName.get(f.name)!;
    const input = req.inputs[i]!;
    const bin = binaries[i];
    const want = f.kind === 'numeric' ? 'FP32, FP64 or an integer type' : 'BYTES';
    const okType = f.kind === 'numeric' ? input.datatype !== 'BYTES' && input.datatype !== 'BOOL' && input.datatype !== 'FP16' : input.datatype === 'BYTES';
    if (!okType) {
      throw new InputError(`input "${f.name}" is ${input.datatype}, but "${f.name}" is a ${f.kind} feature (send ${want})`, { field: f.name });
    }
    if (bin) {
      if (f.kind === 'numeric') {
        const values = decodeNumbers(input.datatype, bin, n, f.name);
        for (let r = 0; r < n; r++) b.putNumber(f, r, values[r]!, false);
      } else {
        const values = decodeBytesElements(bin, n, f.name);
        for (let r = 0; r < n; r++) b.putString(f, r, values[r]!);
      }
      continue;
    }
    if (input.data === undefined) throw new InputError(`input "${f.name}" has neither data nor parameters.binary_data_size`, { field: f.name });
    const data = flatten(input.data);
    if (data.length !== n) throw new InputError(`input "${f.name}" has ${data.length} values for shape [${input.shape.join(', ')}]`, { field: f.name });
    for (let r = 0; r < n; r++) b.put(f, r, data[r]);
  }
  return b.build();
}

interface OutputTensor {
  name: string;
  datatype: 'FP32' | 'INT64' | 'BYTES';
  shape: number[];
  json: () => (number | string)[];
  binary: () => Buffer;
}

function outputTensors(p: Prediction): OutputTensor[] {
  const { output, model } = p;
  const n = output.rows;
  if (output.values) {
    const values = output.values;
    return [{ name: 'variable', datatype: 'FP32', shape: [n, 1], json: () => Array.from(values), binary: () => encodeFloat32(values) }];
  }
  const labels = output.labels ?? [];
  const proba = output.probabilities ?? new Float32Array();
  const k = n > 0 ? proba.length / n : model.classes.length;
  const label: OutputTensor =
    labelDatatype(model) === 'INT64'
      ? { name: 'label', datatype: 'INT64', shape: [n], json: () => labels.map(Number), binary: () => encodeInt64(labels.map(Number)) }
      : { name: 'label', datatype: 'BYTES', shape: [n], json: () => labels, binary: () => encodeBytesElements(labels) };
  return [label, { name: 'probabilities', datatype: 'FP32', shape: [n, k], json: () => Array.from(proba), binary: () => encodeFloat32(proba) }];
}

export function inferResponse(p: Prediction, req: V2InferenceRequest, requestId: string, reply: FastifyReply) {
  const available = outputTensors(p);
  const wantAll = req.parameters?.binary_data_output === true;
  const selected = (req.outputs ?? available.map((o) => ({ name: o.name, parameters: undefined }))).map((o) => {
    const t = available.find((a) => a.name === o.name);
    if (!t) {
      throw new InputError(`unknown output "${o.name}"; this model has ${available.map((a) => `"${a.name}"`).join(', ')}`, { field: o.name });
    }
    const flag = o.parameters?.binary_data;
    return { t, binary: typeof flag === 'boolean' ? flag : wantAll };
  });
  const binaries: Buffer[] = [];
  const outputs = selected.map(({ t, binary }) => {
    if (!binary) return { name: t.name, datatype: t.datatype, shape: t.shape, data: t.json() };
    const bytes = t.binary();
    binaries.push(bytes);
    return { name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: bytes.length } };
  });
  const header = { model_name: p.identity.name, model_version: p.identity.version, id: req.id ?? requestId, outputs };
  if (binaries.length === 0) return header;
  const { body, headerLength } = encodeInferenceBody(header, binaries);
  return reply.header('content-type', 'application/octet-stream').header('inference-header-content-length', String(headerLength)).send(body);
}
