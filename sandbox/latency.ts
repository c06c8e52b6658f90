/** Latency percentiles of the canary requests, in milliseconds (3 decimals). */
export interface LatencyFigures {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles (the value a request actually took, never an interpolation); null for no samples. */
export function latencyFigures(samples: readonly number[]): LatencyFigures | null {
  if (samples.length === 0) return null;
  const sorted = Float64Array.from(samples).sort();
  const rank = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return { p50: round(rank(0.5)), p95: round(rank(0.95)), p99: round(rank(0.99)), max: round(sorted[sorted.length - 1]!) };
}
