/**
 * Two-sample KS on 1,000,000 vs 1,000,000 values: driftloop's ksTwoSample
 * against scipy.stats.ks_2samp (the peer) and a memory-bandwidth floor (one
 * pass summing both columns), measured in the same run on the same data.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot, trainerPython } from '../config/paths.js';
import { mulberry32 } from '../dataset/synthetic.js';
import { ksTwoSample } from '../stats/index.js';

const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REPEATS = 5;

function normals(n: number, seed: number, shift: number): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = shift + Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return out;
}

function best(fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min / 1000;
}

const ref = normals(N, 1, 0);
const cur = normals(N, 2, 0.01);

let result = ksTwoSample(ref, cur);
const ours = best(() => {
  result = ksTwoSample(ref, cur);
});
let sink = 0;
const floor = best(() => {
  let s = 0;
  for (let i = 0; i < ref.length; i++) s += ref[i]!;
  for (let i = 0; i < cur.length; i++) s += cur[i]!;
  sink += s;
});

// KS needs both samples sorted: sorting copies is the algorithm's own floor.
const sortFloor = best(() => {
  Float64Array.from(ref).sort();
  Float64Array.from(cur).sort();
});

const dir = mkdtempSync(join(tmpdir(), 'driftloop-bench-'));
writeFileSync(join(dir, 'ref.f64'), new Uint8Array(ref.buffer));
writeFileSync(join(dir, 'cur.f64'), new Uint8Array(cur.buffer));
const script = join(projectRoot, 'bench', 'ks_scipy.py');
const scipy = JSON.parse(
  execFileSync(trainerPython(), [script, join(dir, 'ref.f64'), join(dir, 'cur.f64'), String(REPEATS)], { encoding: 'utf8' }),
) as { seconds: number; statistic: number; pvalue: number };

const ms = (s: number) => `${(s * 1000).toFixed(1)} ms`;
console.log(`KS two-sample, ${N.toLocaleString('en')} vs ${N.toLocaleString('en')} float64 (best of ${REPEATS})`);
console.log(`  driftloop ksTwoSample     ${ms(ours)}   D=${result.statistic.toFixed(6)} p=${result.pValue.toExponential(4)} (${result.method})`);
console.log(`  scipy.stats.ks_2samp      ${ms(scipy.seconds)}   D=${scipy.statistic.toFixed(6)} p=${scipy.pvalue.toExponential(4)}`);
console.log(`  floor: one pass summing   ${ms(floor)}   (memory bandwidth; checksum ${sink.toExponential(3)})`);
console.log(`  floor: sorting both       ${ms(sortFloor)}   (Float64Array.sort of copies)`);
console.log(`  ratio scipy / driftloop   ${(scipy.seconds / ours).toFixed(2)}×  (driftloop is this many times faster)`);
console.log(`  ratio driftloop / sort    ${(ours / sortFloor).toFixed(2)}×  (1.00 = nothing but the sort)`);
console.log(`  ratio driftloop / memory  ${(ours / floor).toFixed(0)}×`);
