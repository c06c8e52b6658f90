import { quantileSorted } from 'simple-statistics';
import { mulberry32 } from '../dataset/synthetic.js';

export interface BootstrapOptions {
  iterations: number;
  /** Two-sided confidence, e.g. 0.95. */
  confidence: number;
  seed: number;
}

export interface BootstrapInterval {
  lower: number;
  upper: number;
  confidence: number;
  iterations: number;
}

/**
 * A paired bootstrap of a statistic over `rows` rows: each iteration draws
 * `rows` row indices with replacement (a seeded mulberry32, so the interval is
 * reproducible) and evaluates `statistic` on them. "Paired" is the caller's
 * statistic using the same indices for both models — e.g. the difference of a
 * metric between candidate and champion — so that the rows' shared difficulty
 * cancels out instead of widening the interval.
 *
 * The interval is the percentile interval (Efron & Tibshirani, "An
 * Introduction to the Bootstrap", 1993, ch. 13): the (1−c)/2 and (1+c)/2
 * quantiles of the bootstrap replicates, linearly interpolated (R type 7,
 * simple-statistics' quantileSorted).
 */
export function pairedBootstrap(rows: number, statistic: (indices: Uint32Array) => number, opts: BootstrapOptions): BootstrapInterval {
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError(`the bootstrap needs at least one row, not ${rows}`);
  if (!Number.isInteger(opts.iterations) || opts.iterations < 1) throw new RangeError(`bootstrap iterations must be a positive integer, not ${opts.iterations}`);
  if (!(opts.confidence > 0 && opts.confidence < 1)) throw new RangeError(`bootstrap confidence must be in (0, 1), not ${opts.confidence}`);
  const rand = mulberry32(opts.seed);
  const indices = new Uint32Array(rows);
  const replicates: number[] = new Array(opts.iterations);
  for (let b = 0; b < opts.iterations; b++) {
    for (let i = 0; i < rows; i++) indices[i] = Math.floor(rand() * rows);
    replicates[b] = statistic(indices);
  }
  replicates.sort((a, b) => a - b);
  const alpha = 1 - opts.confidence;
  return {
    lower: quantileSorted(replicates, alpha / 2),
    upper: quantileSorted(replicates, 1 - alpha / 2),
    confidence: opts.confidence,
    iterations: opts.iterations,
  };
}
