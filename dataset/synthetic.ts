/**
 * A synthetic churn data set with a documented drift, so the loop can be shown
 * and tested without downloading anything.
 *
 * Features: tenure_months (numeric), monthly_charges (numeric), support_calls
 * (numeric), plan (categorical: basic | standard | premium). Target: churned (0/1).
 *
 * `drifted: true` changes the world in two documented ways:
 * - distribution shift: monthly_charges rise by about 25 on average (a price rise);
 * - concept shift: support calls stop predicting churn and short tenure starts
 *   to predict it twice as strongly, and premium customers start churning
 *   (a competitor's offer).
 */
export interface SyntheticOptions {
  rows: number;
  seed: number;
  drifted?: boolean;
}

export const SYNTHETIC_HEADER = ['tenure_months', 'monthly_charges', 'support_calls', 'plan', 'churned'];

export function generateChurn({ rows, seed, drifted = false }: SyntheticOptions): string[][] {
  const rand = mulberry32(seed);
  const normal = () => {
    // Box–Muller; 1 - u keeps log() away from 0.
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const out: string[][] = [];
  for (let i = 0; i < rows; i++) {
    const tenure = Math.max(0, Math.round(30 + 18 * normal()));
    const plan = pick(rand(), ['basic', 'standard', 'premium'], [0.5, 0.3, 0.2]);
    const charges = 50 + (plan === 'premium' ? 30 : plan === 'standard' ? 15 : 0) + 12 * normal() + (drifted ? 25 : 0);
    const calls = poisson(rand, 1.5);
    let z: number;
    if (!drifted) {
      z = -0.5 - 0.06 * (tenure - 30) + 0.9 * (calls - 1.5) + 0.03 * (charges - 60) + (plan === 'basic' ? 0.4 : -0.3);
    } else {
      z = -0.5 - 0.12 * (tenure - 30) + 0.0 * (calls - 1.5) + 0.03 * (charges - 85) + (plan === 'premium' ? 1.5 : -0.4);
    }
    const churned = rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
    out.push([String(tenure), charges.toFixed(2), String(calls), plan, String(churned)]);
  }
  return out;
}

/** The pipeline config features of the synthetic set. */
export const SYNTHETIC_FEATURES = [
  { name: 'tenure_months', kind: 'numeric' },
  { name: 'monthly_charges', kind: 'numeric' },
  { name: 'support_calls', kind: 'numeric' },
  { name: 'plan', kind: 'categorical' },
] as const;

function pick<T>(u: number, values: readonly T[], weights: readonly number[]): T {
  let acc = 0;
  for (let i = 0; i < values.length; i++) {
    acc += weights[i]!;
    if (u < acc) return values[i]!;
  }
  return values[values.length - 1]!;
}

/** Knuth's method; fine for the small means used here. */
function poisson(rand: () => number, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}

/** A small, fast, seedable PRNG (Tommy Ettinger's mulberry32); Math.random cannot be seeded. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
