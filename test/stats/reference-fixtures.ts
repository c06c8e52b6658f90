/**
 * Runs test/reference/stats_reference.py (project venv: numpy + scipy) for one
 * section and decodes its output: large arrays come back as raw float64 files,
 * NaN/±Infinity as strings.  The temporary directory is removed at once.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const PYTHON = fileURLToPath(new URL('../../.venv/bin/python', import.meta.url));
const SCRIPT = fileURLToPath(new URL('../reference/stats_reference.py', import.meta.url));

export type Section = 'samples' | 'edges' | 'categorical' | 'tails' | 'anderson';

/** An array as the script encodes it: inline list, or a float64 file. */
export type ArrayRef = number[] | { file: string; length: number };
/** A number as the script encodes it. */
export type Num = number | 'NaN' | 'Infinity' | '-Infinity';

export function num(x: Num): number {
  return typeof x === 'number' ? x : Number(x);
}

export interface Fixtures<T> {
  data: T;
  array(ref: ArrayRef): Float64Array;
}

export async function loadReference<T>(section: Section): Promise<Fixtures<T>> {
  const dir = await mkdtemp(join(tmpdir(), 'driftloop-stats-'));
  try {
    const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, section, dir], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const data = JSON.parse(stdout) as T;
    const files = new Map<string, Float64Array>();
    await collectFiles(data, dir, files);
    return {
      data,
      array(ref) {
        if (Array.isArray(ref)) return Float64Array.from(ref);
        const a = files.get(ref.file);
        if (a === undefined || a.length !== ref.length) throw new Error(`fixture file ${ref.file} missing or short`);
        return a;
      },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function collectFiles(node: unknown, dir: string, files: Map<string, Float64Array>): Promise<void> {
  if (Array.isArray(node)) {
    for (const item of node) await collectFiles(item, dir, files);
  } else if (node !== null && typeof node === 'object') {
    const rec = node as Record<string, unknown>;
    if (typeof rec.file === 'string' && typeof rec.length === 'number') {
      const bytes = await readFile(join(dir, rec.file));
      // Copy into an aligned buffer of its own (little-endian float64, as written).
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      files.set(rec.file, new Float64Array(copy.buffer));
      return;
    }
    for (const value of Object.values(rec)) await collectFiles(value, dir, files);
  }
}

/** |actual − expected| ≤ rtol·|expected| (exact equality for 0, ±∞, NaN). */
export function relativeError(actual: number, expected: number): number {
  if (Object.is(actual, expected) || actual === expected) return 0;
  if (Number.isNaN(actual) && Number.isNaN(expected)) return 0;
  if (!Number.isFinite(expected)) return Number.POSITIVE_INFINITY;
  return Math.abs(actual - expected) / Math.abs(expected);
}
