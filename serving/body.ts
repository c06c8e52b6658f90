import { gunzipSync, inflateSync } from 'node:zlib';
import { InputError } from './errors.js';

/**
 * Request bodies reach the handlers as raw bytes (one catch-all content-type
 * parser, see server.ts), because the protocols disagree about content types:
 * vetiver's Python client posts JSON with no Content-Type at all, tritonclient
 * posts a JSON header followed by binary tensors, MLflow takes JSON or CSV.
 */

/**
 * Undoes Content-Encoding gzip/deflate (tritonclient's request compression).
 * The decompressed size is capped by the same body limit as the wire size, so a
 * small compressed body cannot expand into gigabytes.
 */
export function decodeContentEncoding(body: Buffer, encoding: string | undefined, limit: number): Buffer {
  const enc = (encoding ?? 'identity').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  try {
    if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(body, { maxOutputLength: limit });
    if (enc === 'deflate') return inflateSync(body, { maxOutputLength: limit });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || /Cannot create a Buffer larger|maxOutputLength/i.test(e.message)) {
      throw new InputError(`the ${enc}-decoded body exceeds the limit of ${limit} bytes`, { status: 413 });
    }
    throw new InputError(`the body is not valid ${enc} data: ${e.message}`);
  }
  throw new InputError(`Content-Encoding "${enc}" is not supported (use gzip, deflate or none)`, { status: 415 });
}

/**
 * Bare NaN / Infinity tokens (Python's json.dumps writes them for float('nan'))
 * are not JSON. Rather than failing the whole body with a parser position, they
 * become sentinel strings that the row validator reports by field and row.
 */
const NON_FINITE_PREFIX = '\u0000nonfinite:';

export function nonFiniteToken(value: unknown): string | null {
  return typeof value === 'string' && value.startsWith(NON_FINITE_PREFIX) ? value.slice(NON_FINITE_PREFIX.length) : null;
}

export function parseJsonBody(body: Buffer, what = 'the body'): unknown {
  if (body.length === 0) throw new InputError(`${what} is empty; expected JSON`);
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    if (/NaN|Infinity/.test(text)) {
      const patched = quoteNonFiniteTokens(text);
      if (patched !== text) {
        try {
          return JSON.parse(patched);
        } catch {
          // fall through to the original error
        }
      }
    }
    throw new InputError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

/** Replaces NaN, Infinity and -Infinity outside string literals by sentinel strings. */
function quoteNonFiniteTokens(text: string): string {
  let out = '';
  let i = 0;
  let inString = false;
  while (i < text.length) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') {
        out += text[i + 1] ?? '';
        i += 2;
        continue;
      }
      if (c === '"') inString = false;
      i++;
      continue;
    }
    if (c === '"') {
      inString = true;
      out += c;
      i++;
      continue;
    }
    const token = text.startsWith('-Infinity', i) ? '-Infinity' : text.startsWith('Infinity', i) ? 'Infinity' : text.startsWith('NaN', i) ? 'NaN' : null;
    if (token) {
      out += JSON.stringify(NON_FINITE_PREFIX + token);
      i += token.length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
