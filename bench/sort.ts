/**
 * sortFloat64 (radix on the high word + run fix-up, stats/sort.ts) against the
 * native Float64Array sort on 1,000,000 values of several shapes, checking
 * that both give the same array.  Run after a build:
 *   npx --no-install tsc -p tsconfig.build.json && node dist/bench/sort.js
 * BENCH_ROWS overrides the size.
 */
import { mulberry32 } from '../dataset/synthetic.js';
import { sortFloat64, sortFloat64InPlace } from '../stats/index.js';

const N = Number(process.env.BENCH_ROWS ?? 1_000_000);
const REPEATS = 7;

type Shape = (rand: () => number, i: number) => number;

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

const shapes: Record<string, Shape> = {
  normal: (r) => normal(r),
  uniform: (r) => r(),
  cauchy: (r) => Math.tan(Math.PI * (r() - 0.5)),
  lognormal: (r) => Math.exp(normal(r)),
  'ties (normal rounded to 0.1)': (r) => Math.round(normal(r) * 10) / 10,
  'few integers (0..99)': (r) => Math.floor(r() * 100),
  'already sorted': (_r, i) => i / 7,
  // Worst case for this algorithm: every value shares its high 32 bits, so the
  // radix passes are skipped and the native sort does all the work.
  'worst case (1 + noise < 2^-20)': (r) => 1 + r() * 2 ** -21,
};

function generate(shape: Shape, n: number, seed: number): Float64Array {
  const rand = mulberry32(seed);
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = shape(rand, i);
  return a;
}

function timings(fn: () => void): { best: number; median: number } {
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { best: times[0]!, median: times[Math.floor(times.length / 2)]! };
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length * 2);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

const ms = (t: number) => t.toFixed(1).padStart(7);
console.log(`sortFloat64 vs Float64Array.prototype.sort, n = ${N.toLocaleString('en')}, best / median of ${REPEATS} (ms), node ${process.version}`);
console.log(`${'data'.padEnd(32)} ${'native'.padStart(15)} ${'sortFloat64'.padStart(15)} ${'in place'.padStart(15)}  speed-up (best)`);
let seed = 1;
for (const [name, shape] of Object.entries(shapes)) {
  const input = generate(shape, N, seed++);
  const native = timings(() => Float64Array.from(input).sort());
  const copy = timings(() => sortFloat64(input));
  const scratch = new Float64Array(N);
  const work = new Float64Array(N);
  const inPlace = timings(() => {
    work.set(input);
    sortFloat64InPlace(work, scratch);
  });
  if (!sameBits(sortFloat64(input), Float64Array.from(input).sort())) {
    throw new Error(`${name}: sortFloat64 differs from the native sort`);
  }
  console.log(
    `${name.padEnd(32)} ${ms(native.best)} /${ms(native.median)} ${ms(copy.best)} /${ms(copy.median)} ${ms(inPlace.best)} /${ms(inPlace.median)}  ${(native.best / copy.best).toFixed(1)}x`,
  );
}
