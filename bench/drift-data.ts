import { mulberry32 } from '../dataset/synthetic.js';
import type { Column, ColumnSet } from '../dataset/columns.js';

/**
 * The benchmark's data: a reference and a current window of 20 numeric and 5
 * categorical features, seeded, with a known drift per feature so the
 * verdicts can be checked against Evidently's. Shifts are far from the
 * default thresholds (normed Wasserstein 0.1, Jensen–Shannon 0.1) so that
 * sampling noise cannot flip a verdict.
 */

/** Bump when the generator changes, so cached files are written again. */
export const BENCH_DATA_VERSION = 1;

type Rand = () => number;

function normalSampler(rand: Rand): () => number {
  // Box–Muller, both variates used; 1 - u keeps log() away from 0.
  let spare = Number.NaN;
  return () => {
    if (spare === spare) {
      const s = spare;
      spare = Number.NaN;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const t = 2 * Math.PI * rand();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}

interface NumericSpec {
  name: string;
  /** One draw for the given window. */
  draw(normal: () => number, rand: Rand, current: boolean): number;
  /** Share of missing values per window. */
  missing?: { reference: number; current: number };
  /** What the feature is for, in the bench's printout. */
  note: string;
  drifts: boolean;
}

function studentT(normal: () => number, df: number): number {
  let chi2 = 0;
  for (let k = 0; k < df; k++) {
    const z = normal();
    chi2 += z * z;
  }
  return normal() / Math.sqrt(chi2 / df);
}

function poisson(rand: Rand, lambda: number): number {
  // Knuth's multiplication method; fine for small lambda.
  const l = Math.exp(-lambda);
  let k = 0;
  let p = rand();
  while (p > l) {
    k++;
    p *= rand();
  }
  return k;
}

const NUMERIC: NumericSpec[] = [
  ...Array.from({ length: 8 }, (_, i): NumericSpec => ({
    name: `num_${String(i).padStart(2, '0')}`,
    draw: (normal) => 10 * i + (1 + i) * normal(),
    note: 'normal, unchanged',
    drifts: false,
  })),
  ...[0.3, 0.5, 1.0, 0.25].map((shift, j): NumericSpec => ({
    name: `num_${String(8 + j).padStart(2, '0')}`,
    draw: (normal, _rand, current) => 100 + 5 * normal() + (current ? shift * 5 : 0),
    note: `normal, mean +${shift} sd`,
    drifts: true,
  })),
  { name: 'num_12', draw: (normal) => studentT(normal, 3), note: 'Student t(3), unchanged', drifts: false },
  { name: 'num_13', draw: (normal, _r, cur) => Math.exp(normal() + (cur ? 0.4 : 0)), note: 'log-normal, log-mean +0.4', drifts: true },
  { name: 'num_14', draw: (normal) => 50 + 2 * studentT(normal, 2), note: 'Student t(2), unchanged', drifts: false },
  {
    name: 'num_15',
    draw: (normal) => 3 * normal(),
    missing: { reference: 0.05, current: 0.05 },
    note: '5 % missing, unchanged',
    drifts: false,
  },
  {
    name: 'num_16',
    draw: (normal) => 20 + 4 * normal(),
    missing: { reference: 0.02, current: 0.2 },
    note: 'missing 2 % → 20 %, values unchanged',
    drifts: false,
  },
  {
    name: 'num_17',
    draw: (normal, _r, cur) => 7 + normal() * (cur ? 1.6 : 1),
    missing: { reference: 0.1, current: 0.1 },
    note: '10 % missing, sd ×1.6',
    drifts: true,
  },
  { name: 'num_18', draw: (_n, rand, cur) => poisson(rand, cur ? 3.5 : 3), note: 'Poisson counts, λ 3 → 3.5', drifts: true },
  { name: 'num_19', draw: (_n, rand) => poisson(rand, 6), note: 'Poisson counts, unchanged', drifts: false },
];

interface CategoricalSpec {
  name: string;
  categories: number;
  /** Category weights per window (unnormalised). */
  weights(current: boolean): number[];
  missing?: number;
  note: string;
  drifts: boolean;
}

const zipf = (k: number, s: number) => Array.from({ length: k }, (_, i) => 1 / (i + 1) ** s);

const CATEGORICAL: CategoricalSpec[] = [
  { name: 'cat_a', categories: 5, weights: () => [5, 4, 3, 2, 1], note: '5 categories, unchanged', drifts: false },
  {
    name: 'cat_b',
    categories: 12,
    weights: (cur) => (cur ? [...zipf(11, 1), 1.2] : [...zipf(11, 1), 0]),
    note: '11 categories, a 12th appears in current',
    drifts: true,
  },
  { name: 'cat_c', categories: 20, weights: () => zipf(20, 0.8), missing: 0.03, note: '20 categories, 3 % missing, unchanged', drifts: false },
  {
    name: 'cat_d',
    categories: 35,
    weights: (cur) => (cur ? zipf(35, 1.1).reverse() : zipf(35, 1.1)),
    note: '35 categories, popularity reversed',
    drifts: true,
  },
  { name: 'cat_e', categories: 50, weights: () => zipf(50, 0.5), note: '50 categories, unchanged', drifts: false },
];

export const BENCH_FEATURES = [
  ...NUMERIC.map((s) => ({ name: s.name, kind: 'numeric' as const, note: s.note, drifts: s.drifts })),
  ...CATEGORICAL.map((s) => ({ name: s.name, kind: 'categorical' as const, note: s.note, drifts: s.drifts })),
];

function categoryNames(spec: CategoricalSpec): string[] {
  return Array.from({ length: spec.categories }, (_, i) => `${spec.name.slice(-1)}${String(i).padStart(2, '0')}`);
}

/** One window of `rows` rows; the same seed gives the same values. */
export function generateWindow(rows: number, seed: number, current: boolean): ColumnSet {
  const columns = new Map<string, Column>();
  NUMERIC.forEach((spec, c) => {
    const rand = mulberry32(seed * 1000 + c);
    const normal = normalSampler(rand);
    const values = new Float64Array(rows);
    const missing = spec.missing ? (current ? spec.missing.current : spec.missing.reference) : 0;
    for (let i = 0; i < rows; i++) {
      const v = spec.draw(normal, rand, current);
      values[i] = missing && rand() < missing ? Number.NaN : v;
    }
    columns.set(spec.name, { kind: 'numeric', values });
  });
  CATEGORICAL.forEach((spec, c) => {
    const rand = mulberry32(seed * 1000 + 500 + c);
    const weights = spec.weights(current);
    const total = weights.reduce((a, b) => a + b, 0);
    const cumulative = new Float64Array(weights.length);
    let acc = 0;
    weights.forEach((w, i) => (cumulative[i] = acc += w / total));
    const codes = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      if (spec.missing && rand() < spec.missing) {
        codes[i] = -1;
        continue;
      }
      const u = rand();
      let k = 0;
      while (k < cumulative.length - 1 && u >= cumulative[k]!) k++;
      codes[i] = k;
    }
    columns.set(spec.name, { kind: 'categorical', codes, categories: categoryNames(spec) });
  });
  return { rows, columns };
}
