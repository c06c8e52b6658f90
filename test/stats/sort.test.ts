/**
 * sortFloat64 / sortFloat64InPlace must give exactly what the native
 * Float64Array sort gives (value for value, -0 before +0) on every input.
 */
import { describe, expect, it } from 'vitest';

import { mulberry32 } from '../../dataset/synthetic.js';
import { sortFloat64, sortFloat64InPlace } from '../../stats/index.js';

/** Seeded, so failures reproduce. */
const rng = mulberry32;

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(r() || 1e-300)) * Math.cos(2 * Math.PI * r());
}

type Generator = (r: () => number, i: number) => number;

const generators: Record<string, Generator> = {
  normal: (r) => normal(r),
  uniform: (r) => r(),
  negativeUniform: (r) => -r(),
  cauchy: (r) => Math.tan(Math.PI * (r() - 0.5)),
  lognormal: (r) => Math.exp(2 * normal(r)),
  roundedTies: (r) => Math.round(normal(r) * 10) / 10,
  fewIntegers: (r) => Math.floor(r() * 5) - 2,
  signedZeros: (r) => (r() < 0.5 ? -0 : 0),
  zerosAndOnes: (r) => [-0, 0, 1, -1][Math.floor(r() * 4)]!,
  subnormals: (r) => (r() - 0.5) * 1e-310,
  subnormalsAndZeros: (r) => [5e-324, -5e-324, 0, -0, 2.2250738585072014e-308][Math.floor(r() * 5)]!,
  hugeAndTiny: (r) => (r() < 0.5 ? -1 : 1) * 10 ** (r() * 616 - 308),
  extremes: (r) => [Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE, 0][Math.floor(r() * 5)]!,
  sharedHighWord: (r) => 1 + r() * 2 ** -21, // all values share their top 32 bits: one long run
  sharedHighWordShortRuns: (r) => Math.floor(r() * 3000) + r() * 2 ** -30,
  sortedAscending: (_r, i) => i * 0.5 - 100,
  sortedDescending: (_r, i) => -i * 0.25,
  constant: () => 3.14159,
  infinities: (r) => [Infinity, -Infinity, normal(r)][Math.floor(r() * 3)]!,
};

function generate(name: string, n: number, seed: number): Float64Array {
  const r = rng(seed);
  const g = generators[name]!;
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = g(r, i);
  return a;
}

function expectSameSort(actual: Float64Array, input: Float64Array, label: string): void {
  const expected = Float64Array.from(input).sort();
  expect(actual.length, label).toBe(expected.length);
  // Compare bit patterns: this also distinguishes -0 from +0.
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length * 2);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length * 2);
  for (let i = 0; i < e.length; i++) {
    if (a[i] !== e[i]) {
      const k = i >> 1;
      expect.fail(`${label}: index ${k}: got ${Object.is(actual[k], -0) ? '-0' : actual[k]}, expected ${Object.is(expected[k], -0) ? '-0' : expected[k]}`);
    }
  }
}

describe('sortFloat64 equals the native typed-array sort', () => {
  const sizes = [0, 1, 2, 3, 17, 255, 256, 257, 1000, 4099, 100_003];
  for (const name of Object.keys(generators)) {
    it(name, () => {
      for (const n of sizes) {
        const input = generate(name, n, n * 7919 + name.length);
        const before = Float64Array.from(input);
        expectSameSort(sortFloat64(input), input, `${name} n=${n}`);
        expect(input, `${name} n=${n}: input untouched`).toEqual(before);
      }
    });
  }

  it('sorts length 2 in both orders and with signed zeros', () => {
    for (const pair of [[2, 1], [1, 2], [0, -0], [-0, 0], [-1, -2], [5e-324, -5e-324]]) {
      const input = Float64Array.from(pair);
      expectSameSort(sortFloat64(input), input, `[${pair.map((v) => (Object.is(v, -0) ? '-0' : v)).join(', ')}]`);
    }
  });

  it('sortFloat64InPlace sorts the array itself, with or without a scratch buffer', () => {
    for (const n of [10, 300, 50_000]) {
      const input = generate('normal', n, n);
      const a = Float64Array.from(input);
      expect(sortFloat64InPlace(a)).toBe(a);
      expectSameSort(a, input, `in place n=${n}`);
      const b = Float64Array.from(input);
      const scratch = new Float64Array(n + 10);
      expect(sortFloat64InPlace(b, scratch)).toBe(b);
      expectSameSort(b, input, `in place with scratch n=${n}`);
    }
    // A subarray view with an offset sorts just its window.
    const whole = generate('cauchy', 2000, 5);
    const view = whole.subarray(500, 1500);
    const original = Float64Array.from(view);
    sortFloat64InPlace(view);
    expectSameSort(view, original, 'subarray view');
  });

  it('rejects a scratch buffer that is too small', () => {
    expect(() => sortFloat64InPlace(new Float64Array(1000), new Float64Array(999))).toThrow(/scratch has 999/);
  });

  it('rejects NaN, naming its index, on both the small and the radix path', () => {
    for (const n of [10, 5000]) {
      const a = generate('normal', n, 1);
      a[n - 3] = Number.NaN;
      expect(() => sortFloat64(a)).toThrow(new RangeError(`sortFloat64: value at index ${n - 3} is NaN; drop missing values before sorting`));
    }
  });
});
