import { InputError } from './errors.js';

/**
 * The binary tensor data extension of the Open Inference Protocol (Triton's
 * `binary_tensor_data`, which tritonclient's HTTP client uses by default):
 *
 *   body = JSON header ‖ tensor bytes of each binary input, in input order
 *
 * `Inference-Header-Content-Length` gives the JSON header's length; an input
 * (or output) whose `parameters.binary_data_size` is set has its data in the
 * binary part instead of `data`. Tensor bytes are little-endian, row-major,
 * without padding; a BYTES element is a 4-byte little-endian uint32 length
 * followed by that many bytes.
 */

export const ELEMENT_SIZE: Record<string, number> = {
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  FP32: 4,
  FP64: 8,
};

/** Splits the body at the JSON header's end. Without the header length the whole body is JSON. */
export function splitInferenceBody(body: Buffer, headerLength: string | string[] | undefined): { json: Buffer; binary: Buffer } {
  if (headerLength === undefined) return { json: body, binary: body.subarray(body.length) };
  const raw = Array.isArray(headerLength) ? headerLength[0] : headerLength;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > body.length) {
    throw new InputError(`Inference-Header-Content-Length is ${JSON.stringify(raw)}, but the body has ${body.length} bytes`);
  }
  return { json: body.subarray(0, n), binary: body.subarray(n) };
}

/** Cuts the binary part into one buffer per input that declares binary_data_size, in input order. */
export function sliceBinaryInputs(
  inputs: readonly { name: string; parameters?: Record<string, unknown> | undefined }[],
  binary: Buffer,
): (Buffer | undefined)[] {
  let at = 0;
  const out = inputs.map((input) => {
    const size = input.parameters?.binary_data_size;
    if (size === undefined) return undefined;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
      throw new InputError(`input "${input.name}": parameters.binary_data_size must be a non-negative integer`, { field: input.name });
    }
    if (at + size > binary.length) {
      throw new InputError(
        `input "${input.name}": binary_data_size ${size} runs past the end of the body (${binary.length - at} bytes left after the JSON header and earlier inputs)`,
        { field: input.name },
      );
    }
    const slice = binary.subarray(at, at + size);
    at += size;
    return slice;
  });
  if (at !== binary.length) {
    throw new InputError(`the body has ${binary.length} bytes after the JSON header, but the inputs' binary_data_size add up to ${at}`);
  }
  return out;
}

/** Decodes `count` numbers of a numeric datatype (NaN stays NaN: binary tensors have no null). */
export function decodeNumbers(datatype: string, bytes: Buffer, count: number, name: string): Float64Array {
  const size = ELEMENT_SIZE[datatype];
  if (!size || datatype === 'BOOL' || datatype === 'FP16') {
    throw new InputError(`input "${name}": datatype ${datatype} is not supported for a numeric feature (use FP32, FP64 or an integer type)`, { field: name });
  }
  if (bytes.length !== count * size) {
    throw new InputError(`input "${name}": ${count} ${datatype} elements take ${count * size} bytes, but binary_data_size is ${bytes.length}`, {
      field: name,
    });
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * size;
    switch (datatype) {
      case 'FP32': out[i] = view.getFloat32(o, true); break;
      case 'FP64': out[i] = view.getFloat64(o, true); break;
      case 'INT8': out[i] = view.getInt8(o); break;
      case 'INT16': out[i] = view.getInt16(o, true); break;
      case 'INT32': out[i] = view.getInt32(o, true); break;
      case 'INT64': out[i] = Number(view.getBigInt64(o, true)); break;
      case 'UINT8': out[i] = view.getUint8(o); break;
      case 'UINT16': out[i] = view.getUint16(o, true); break;
      case 'UINT32': out[i] = view.getUint32(o, true); break;
      case 'UINT64': out[i] = Number(view.getBigUint64(o, true)); break;
    }
  }
  return out;
}

/** Decodes a BYTES tensor: `count` length-prefixed elements that must fill the buffer exactly. */
export function decodeBytesElements(bytes: Buffer, count: number, name: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length) {
      throw new InputError(`input "${name}": BYTES element ${i} has no 4-byte length prefix (the tensor data ends after ${bytes.length} bytes)`, {
        field: name,
        row: i,
      });
    }
    const len = bytes.readUInt32LE(at);
    at += 4;
    if (at + len > bytes.length) {
      throw new InputError(`input "${name}": BYTES element ${i} claims ${len} bytes but only ${bytes.length - at} remain`, { field: name, row: i });
    }
    out.push(bytes.toString('utf8', at, at + len));
    at += len;
  }
  if (at !== bytes.length) {
    throw new InputError(`input "${name}": ${bytes.length - at} bytes left over after ${count} BYTES elements`, { field: name });
  }
  return out;
}

export function encodeBytesElements(values: readonly string[]): Buffer {
  const parts = values.map((v) => Buffer.from(v, 'utf8'));
  const out = Buffer.alloc(parts.reduce((n, p) => n + 4 + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.writeUInt32LE(p.length, at);
    p.copy(out, at + 4);
    at += 4 + p.length;
  }
  return out;
}

export function encodeFloat32(values: Float32Array): Buffer {
  const out = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i]!, i * 4);
  return out;
}

export function encodeInt64(values: readonly number[]): Buffer {
  const out = Buffer.alloc(values.length * 8);
  for (let i = 0; i < values.length; i++) out.writeBigInt64LE(BigInt(values[i]!), i * 8);
  return out;
}

/** JSON header ‖ binary outputs, and the header length for Inference-Header-Content-Length. */
export function encodeInferenceBody(header: unknown, binaries: readonly Buffer[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  return { body: Buffer.concat([json, ...binaries]), headerLength: json.length };
}
