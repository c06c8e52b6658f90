/**
 * One section of `npm run bench:drift`: the two-sample Kolmogorov–Smirnov
 * test alone on 1,000,000 vs 1,000,000 values, driftloop's ksTwoSample
 * against scipy.stats.ks_2samp (bench/ks_scipy.py), beside what V8's own
 * Float64Array sort of both samples costs. Same data, same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../config/paths.js';
import { mulberry32 } from '../dataset/synthetic.js';
import { ksTwoSample } from '../stats/index.js';

export interface KsSection {
  rows: number;
  repeats: number;
  driftloop: { seconds: number; statistic: number; pValue: number; method: string };
  scipy: { seconds: number; statistic: number; pvalue: number };
  sortFloor: number;
}

function normals(n: number, seed: number, shift: number): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = shift + Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return out;
}

function best(repeats: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min / 1000;
}

export function ksVersusScipy(python: string, rows: number, repeats = 5): KsSection {
  // A shift of 0.01 sd: a p-value that is neither 0 nor 1 at this size.
  const ref = normals(rows, 1, 0);
  const cur = normals(rows, 2, 0.01);
  let result = ksTwoSample(ref, cur);
  const seconds = best(repeats, () => {
    result = ksTwoSample(ref, cur);
  });
  // KS needs both samples sorted: V8's comparison sort of copies, for scale.
  const sortFloor = best(repeats, () => {
    Float64Array.from(ref).sort();
    Float64Array.from(cur).sort();
  });
  const dir = mkdtempSync(join(tmpdir(), 'driftloop-bench-ks-'));
  try {
    writeFileSync(join(dir, 'ref.f64'), new Uint8Array(ref.buffer));
    writeFileSync(join(dir, 'cur.f64'), new Uint8Array(cur.buffer));
    const scipy = JSON.parse(
      execFileSync(python, [join(projectRoot, 'bench', 'ks_scipy.py'), join(dir, 'ref.f64'), join(dir, 'cur.f64'), String(repeats)], { encoding: 'utf8' }),
    ) as KsSection['scipy'];
    return { rows, repeats, driftloop: { seconds, statistic: result.statistic, pValue: result.pValue, method: result.method }, scipy, sortFloor };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
